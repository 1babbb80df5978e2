using System.Diagnostics;
using System.Numerics;
using SkipNet;

namespace SkipNet.Benchmarks;

/// <summary>
/// `-- pairs`: what two threads gain on pairs of products at 512×512×32 as a step runs them (dW
/// written and stepped, then dH or the forward product), against each product alone, and a
/// streaming triad (a += s·b over 2 × 64 MiB) on one and two threads: the memory bandwidth.
/// One and two threads alternate every 60 ms; medians of 10 rounds.
/// </summary>
internal static class Pairs
{
    public static void Run()
    {
        Products<float>();
        Products<double>();
        Triad();
    }

    private static void Products<T>()
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const int n = 512, batch = 32;
        var random = new Random(1);
        T[] D(int length) => Enumerable.Range(0, length).Select(_ => T.CreateTruncating(random.NextDouble() * 1e-3)).ToArray();
        var (w, h, dz, dw, z, dh) = (D(n * n), D(batch * n), D(batch * n), D(n * n), D(batch * n), D(batch * n));
        var step = GradientWrite<T>.TrainStep(T.CreateTruncating(1e-9));
        foreach (var (name, run) in new (string, Action)[]
        {
            ("dW+step", () => Kernels.WeightGradient<T>(dz, h, dw, w, batch, step)),
            ("dH", () => Kernels.TransposeMultiplyAdd<T>(w, dz, dh, batch)),
            ("dW+step, dH", () => { Kernels.WeightGradient<T>(dz, h, dw, w, batch, step); Kernels.TransposeMultiplyAdd<T>(w, dz, dh, batch); }),
            ("dW, dH (no step)", () => { Kernels.WeightGradient<T>(dz, h, dw, w, batch, GradientWrite<T>.OverwriteOnly); Kernels.TransposeMultiplyAdd<T>(w, dz, dh, batch); }),
            ("dW+step, forward", () => { Kernels.WeightGradient<T>(dz, h, dw, w, batch, step); Kernels.MultiplyAdd<T>(w, h, z, batch); }),
        })
        {
            var (one, two) = Alternation.Threads(run, milliseconds: 60);
            Console.WriteLine($"{typeof(T).Name,-7} {name,-17} | 1 thread {one,7:F1} µs | 2 threads {two,7:F1} µs | {one / two:F2}×");
        }
    }

    private static void Triad()
    {
        int length = 64 * 1024 * 1024 / sizeof(double);
        var a = new double[length];
        var b = Enumerable.Repeat(1.0, length).ToArray();
        void Part(int start, int end)
        {
            var s = new Vector<double>(1e-9);
            for (int i = start; i <= end - Vector<double>.Count; i += Vector<double>.Count)
            {
                (new Vector<double>(a, i) + s * new Vector<double>(b, i)).CopyTo(a, i);
            }
        }

        Parallelism.MaxDegreeOfParallelism = 1;
        var (one, two) = Alternation.Threads(() =>
        {
            if (Parallelism.MaxDegreeOfParallelism == 1)
            {
                Part(0, length);
            }
            else
            {
                Parallel.Invoke(() => Part(0, length / 2), () => Part(length / 2, length));
            }
        }, milliseconds: 60);
        double bytes = 3.0 * length * sizeof(double);
        Console.WriteLine($"triad, 2 × 64 MiB          | 1 thread {bytes / one / 1e3,6:F1} GB/s | 2 threads {bytes / two / 1e3,6:F1} GB/s");
    }
}
