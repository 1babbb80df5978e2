using System.Numerics;
using System.Runtime.Intrinsics;
using SkipNet;

namespace SkipNet.Benchmarks;

/// <summary>
/// `-- steps`: TrainStep of mlp-128 at batch 1 and 32, and its Forward at batch 1 (inference), on one thread, medians of 10 rounds of 150 ms
/// after 2 of warm-up, with the vector widths this process runs. scripts/bench-fallbacks.sh runs it
/// once per instruction-set setting (DOTNET_EnableAVX512F=0 and the like fix them per process).
/// </summary>
internal static class Steps
{
    public static void Run()
    {
        Console.WriteLine($"vectors: 512-bit {Vector512.IsHardwareAccelerated}, 256-bit {Vector256.IsHardwareAccelerated}, 128-bit {Vector128.IsHardwareAccelerated}");
        Parallelism.MaxDegreeOfParallelism = 1;
        Time(new Mlp128(), 1);
        Time(new Mlp128(), 32);
    }

    private static void Time<T>(IResidualNetwork<T> net, int batch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (x, y) = Batches.Draw(net, batch);
        var rate = T.CreateTruncating(1e-4);
        double median = Alternation.Medians([(() => { }, () => net.TrainStep(x, y, rate))], milliseconds: 150)[0];
        Console.WriteLine($"{net.GetType().Name} TrainStep, batch {batch}: {Alternation.Format(median)}");
        if (batch == 1)
        {
            var output = new T[batch * net.OutputSize];
            median = Alternation.Medians([(() => { }, () => net.Forward(x, output))], milliseconds: 150)[0];
            Console.WriteLine($"{net.GetType().Name} Forward, batch {batch}: {Alternation.Format(median)}");
        }
    }
}
