using System.Numerics;
using System.Reflection;
using SkipNet;
using SkipNet.CompilerServices;

namespace SkipNet.Benchmarks;

/// <summary>
/// `-- fourwide`: the forward product (Z += H·Wᵀ) with its samples in four-vector panels of 512-bit
/// vectors against two-vector ones (the internal switch Gemm.FourVectorPanels), on layers of
/// mlp-512, mlp-128, the Fashion MLP and a W that stays in the L2, then whole training steps; one
/// thread, alternated every 80 ms (steps 150 ms), medians of 10 rounds. Without AVX-512 both
/// columns run the same code.
/// </summary>
internal static class FourWide
{
    private static readonly PropertyInfo Switch = typeof(Parallelism).Assembly.GetType("SkipNet.CompilerServices.Gemm")!
        .GetProperty("FourVectorPanels", BindingFlags.Static | BindingFlags.NonPublic)!;

    public static void Run()
    {
        Parallelism.MaxDegreeOfParallelism = 1;
        Console.WriteLine(Blocks.Describe());
        Console.WriteLine();
        Console.WriteLine("| Z += H·Wᵀ, one thread | two-vector panels | four-vector panels | ratio |");
        Console.WriteLine("|---|---|---|---|");
        Product<double>(512, 512, 32);
        Product<double>(512, 512, 64);
        Product<float>(512, 512, 64);
        Product<double>(256, 256, 32);
        Product<double>(128, 128, 32);
        Product<double>(512, 96, 32); // W of 512 × 96: 384 KiB, in the L2
        Product<float>(256, 784, 128); // the Fashion MLP's first layer

        Switched.Steps(Switch, "two-vector panels", "four-vector panels");
    }

    private static void Product<T>(int outputs, int inputs, int batch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(outputs + inputs);
        var (w, h, z) = (Switched.Draw<T>(random, outputs * inputs), Switched.Draw<T>(random, batch * inputs), Switched.Draw<T>(random, batch * outputs));
        Action run = () => Kernels.MultiplyAdd<T>(w.Span, h.Span, z.Span, batch);
        var m = Alternation.Medians([(() => Switch.SetValue(null, false), run), (() => Switch.SetValue(null, true), run)], milliseconds: 80);
        double flop = 2.0 * outputs * inputs * batch;
        Console.WriteLine($"| {outputs}×{inputs} b{batch} {typeof(T).Name} | {flop / m[0] / 1000:F1} GFLOP/s | {flop / m[1] / 1000:F1} GFLOP/s | {m[0] / m[1]:F2}× |");
    }
}
