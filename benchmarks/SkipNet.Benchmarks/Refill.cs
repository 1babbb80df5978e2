using System.Numerics;
using System.Reflection;
using SkipNet;
using SkipNet.CompilerServices;

namespace SkipNet.Benchmarks;

/// <summary>
/// `-- refill`: dH's packed panels refilled in place with the next panel's rows while the last
/// eight-row panel multiplies them (the ones before prefetching those rows), against packing each
/// panel all at once before its products (the internal switch Gemm.RefillPanels). dH alone on
/// 512- and 256-bit vectors (and the same product as a strided convolution runs it on its gathered
/// columns), then whole training steps; one thread, alternated every 80 ms, medians of 10 rounds.
/// </summary>
internal static class Refill
{
    private static readonly Type Gemm = typeof(Parallelism).Assembly.GetType("SkipNet.CompilerServices.Gemm")!;
    private static readonly PropertyInfo Switch = Gemm.GetProperty("RefillPanels", BindingFlags.Static | BindingFlags.NonPublic)!;
    private static readonly PropertyInfo Wide = Gemm.GetProperty("UseVector512", BindingFlags.Static | BindingFlags.NonPublic)!;

    public static void Run()
    {
        Parallelism.MaxDegreeOfParallelism = 1;
        Console.WriteLine(Blocks.Describe());
        Console.WriteLine();
        Console.WriteLine("| dH += dZ·W, one thread | vectors | packed at once | refilled | ratio |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (bool wide in new[] { true, false })
        {
            Product<double>(512, 512, 32, wide);
            Product<float>(512, 512, 32, wide);
            Product<float>(1024, 1024, 32, wide);
            Product<float>(256, 784, 128, wide);
            Product<float>(16 * 9, 14 * 14, 32, wide); // a stride-2 convolution's product on its gathered columns (C_out 32, 16 channels in, 14×14 out)
        }

        Wide.SetValue(null, true);
        Switched.Steps(Switch, "packed at once", "refilled");
    }

    private static void Product<T>(int outputs, int inputs, int batch, bool wide)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(outputs + inputs);
        var (w, dz, dh) = (Switched.Draw<T>(random, outputs * inputs), Switched.Draw<T>(random, batch * outputs), Switched.Draw<T>(random, batch * inputs));
        Action run = () => Kernels.TransposeMultiplyAdd<T>(w.Span, dz.Span, dh.Span, batch);
        var m = Alternation.Medians([(() => Set(false, wide), run), (() => Set(true, wide), run)], milliseconds: 80);
        double flop = 2.0 * outputs * inputs * batch;
        Console.WriteLine($"| {outputs}×{inputs} b{batch} {typeof(T).Name} | {(wide && System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? 512 : 256)}-bit | {flop / m[0] / 1000:F1} GFLOP/s | {flop / m[1] / 1000:F1} GFLOP/s | {m[0] / m[1]:F2}× |");
    }

    private static void Set(bool refill, bool wide)
    {
        Switch.SetValue(null, refill);
        Wide.SetValue(null, wide);
    }
}
