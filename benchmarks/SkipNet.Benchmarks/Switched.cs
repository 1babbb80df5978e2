using System.Numerics;
using System.Reflection;
using SkipNet;

namespace SkipNet.Benchmarks;

/// <summary>What the modes that compare one of the kernels' internal switches off and on share: operands on cache lines, and a TrainStep row.</summary>
internal static class Switched
{
    /// <summary>Uniform draws in [−1, 1) on a cache line, as a network holds its buffers.</summary>
    public static AlignedArray<T> Draw<T>(Random random, int length)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var aligned = new AlignedArray<T>(length);
        for (int i = 0; i < length; i++)
        {
            aligned.Span[i] = T.CreateTruncating(random.NextDouble() * 2 - 1);
        }

        return aligned;
    }

    /// <summary>A Markdown table of whole training steps (mlp-512 in double and float, mlp-128, the Fashion MLP) with <paramref name="switch"/> off, then on; the switch is left on.</summary>
    public static void Steps(PropertyInfo @switch, string off, string on)
    {
        Console.WriteLine();
        Console.WriteLine($"| TrainStep, one thread | {off} | {on} | ratio |");
        Console.WriteLine("|---|---|---|---|");
        StepRow(@switch, new Mlp512(), 32);
        StepRow(@switch, new Mlp512F(), 32);
        StepRow(@switch, new Mlp128(), 32);
        StepRow(@switch, new FashionNet(), 128);
        @switch.SetValue(null, true);
    }

    /// <summary>A Markdown row: the network's TrainStep with <paramref name="switch"/> off, then on (alternated every 150 ms), and the ratio of the times.</summary>
    private static void StepRow<T>(PropertyInfo @switch, IResidualNetwork<T> net, int batch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (x, y) = Batches.Draw(net, batch);
        var rate = T.CreateTruncating(1e-6);
        Action run = () => net.TrainStep(x, y, rate);
        var m = Alternation.Medians([(() => @switch.SetValue(null, false), run), (() => @switch.SetValue(null, true), run)], milliseconds: 150);
        Console.WriteLine($"| {net.GetType().Name} b{batch} | {Alternation.Format(m[0])} | {Alternation.Format(m[1])} | {m[0] / m[1]:F2}× |");
    }
}
