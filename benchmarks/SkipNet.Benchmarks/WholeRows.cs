using System.Numerics;
using System.Reflection;
using SkipNet;

namespace SkipNet.Benchmarks;

/// <summary>
/// `-- wholerows`: a single sample's products reading W row after row, as one stream, against the
/// earlier order (the internal switch Gemm.StreamWholeRows): the forward product dotting long rows
/// one at a time rather than eight at a time, and dH with dW taking rows of sixteen vectors in one
/// strip rather than two. On one thread, Forward and TrainStep at batch 1 of mlp-128 (double and
/// float), mlp-512 and the Fashion-MNIST MLP. Alternated every 60 ms, medians of 10 rounds.
/// </summary>
internal static class WholeRows
{
    private static readonly PropertyInfo Switch = typeof(Parallelism).Assembly.GetType("SkipNet.CompilerServices.Gemm")!.GetProperty("StreamWholeRows", BindingFlags.Static | BindingFlags.NonPublic)!;

    public static void Run()
    {
        Parallelism.MaxDegreeOfParallelism = 1;
        Console.WriteLine("network, batch 1 | call | earlier order | whole rows | ratio");
        Time(new Mlp128());
        Time(new Mlp128F());
        Time(new Mlp512());
        Time(new FashionNet(1));
        Switch.SetValue(null, true);
    }

    private static void Time<T>(IResidualNetwork<T> net)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (x, y) = Batches.Draw(net, 1);
        var output = new T[net.OutputSize];
        var rate = T.CreateTruncating(1e-6);
        foreach (var (name, run) in new (string, Action)[] { ("Forward", () => net.Forward(x, output)), ("TrainStep", () => net.TrainStep(x, y, rate)) })
        {
            var m = Alternation.Medians([(() => Switch.SetValue(null, false), run), (() => Switch.SetValue(null, true), run)], milliseconds: 60);
            Console.WriteLine($"{net.GetType().Name,-10} | {name,-9} | {Alternation.Format(m[0]),9} | {Alternation.Format(m[1]),9} | {m[0] / m[1]:F2}×");
        }
    }
}
