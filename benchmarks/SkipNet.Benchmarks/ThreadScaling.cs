using System.Diagnostics;
using System.Numerics;
using SkipNet;

namespace SkipNet.Benchmarks;

/// <summary>
/// `-- threads`: TrainStep on one and on two threads, alternated every 150 ms for 12 rounds after 2
/// of warm-up, with the median of each. Alternating puts both settings under the same
/// conditions on a machine whose speed drifts; BenchmarkDotNet runs them minutes apart.
/// </summary>
internal static class ThreadScaling
{
    public static void Run()
    {
        Console.WriteLine("network  batch | 1 thread | 2 threads | speed-up");
        Time(new Mlp512(), 32);
        Time(new Mlp512F(), 32);
        Time(new Mlp512(), 1);
        Time(new Mlp128(), 32);
        Time(new Mlp128(), 1);
        Time(new Mlp16(), 1);
        Time(new FashionNet(), 128);
    }

    private static void Time<T>(IResidualNetwork<T> net, int batch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (x, y) = Batches.Draw(net, batch);
        var rate = T.CreateTruncating(1e-4);
        var (one, two) = Alternation.Threads(() => net.TrainStep(x, y, rate), milliseconds: 150, rounds: 12);
        Console.WriteLine($"{net.GetType().Name,-8} {batch,5} | {Alternation.Format(one),9} | {Alternation.Format(two),9} | {one / two:F2}×");
    }
}
