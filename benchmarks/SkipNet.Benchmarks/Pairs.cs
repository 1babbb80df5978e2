using System.Diagnostics;
using System.Numerics;
using SkipNet;

namespace SkipNet.Benchmarks;

/// <summary>
/// `-- pairs`: what two threads gain on pairs of products at 512×512×32 as a step runs them (dW
/// written and stepped, then dH or the forward product), against each product alone, and a
/// streaming triad (a += s·b over 2 × 64 MiB) on one and two threads: the memory bandwidth.
/// One and two threads alternate every 60 ms; medians of 10 rounds. Last, the half of an
/// mlp-128 layer's backward pass at batch 1 that a split would give each thread, on private data:
/// one thread alone, then two at once (what splitting mlp-128 at batch 1 would cost); and what
/// reading a layer's H costs when the other core wrote it.
/// </summary>
internal static class Pairs
{
    public static void Run()
    {
        Products<float>();
        Products<double>();
        Triad();
        Halves();
        Handover();
    }

    /// <summary>
    /// A layer's H at mlp-512's batch 32 (32 × 512 doubles, 128 KiB, in the L2) summed by the core
    /// that just wrote it, against summed by the other core: each product of a two-thread step reads
    /// all of H, which the other thread wrote. Four settings, 200 repetitions a round, medians of 10
    /// rounds: fill H; fill and sum it; fill it and hand it to a partner thread (a flag each way)
    /// that does not read it; the same with the partner summing it. The sums' times are the second
    /// minus the first and the fourth minus the third.
    /// </summary>
    private static void Handover()
    {
        const int length = 32 * 512, repetitions = 200;
        var h = new AlignedArray<double>(length);
        int go = 0, done = 0;
        bool stop = false, partnerReads = false;
        double sink = 0, value = 0;
        var partner = new Thread(() =>
        {
            for (int round = 1; ; round++)
            {
                while (Volatile.Read(ref go) < round)
                {
                    if (Volatile.Read(ref stop))
                    {
                        return;
                    }
                }

                if (Volatile.Read(ref partnerReads))
                {
                    sink += Sum(h.Span);
                }

                Volatile.Write(ref done, round);
            }
        }) { IsBackground = true };
        partner.Start();

        int handed = 0;
        void Local(bool read)
        {
            for (int r = 0; r < repetitions; r++)
            {
                h.Span.Fill(value++);
                if (read)
                {
                    sink += Sum(h.Span);
                }
            }
        }

        void Across(bool read)
        {
            Volatile.Write(ref partnerReads, read);
            for (int r = 0; r < repetitions; r++)
            {
                h.Span.Fill(value++);
                Volatile.Write(ref go, ++handed);
                while (Volatile.Read(ref done) < handed)
                {
                }
            }
        }

        var medians = Alternation.Medians(
        [
            (() => { }, () => Local(read: false)),
            (() => { }, () => Local(read: true)),
            (() => { }, () => Across(read: false)),
            (() => { }, () => Across(read: true)),
        ], milliseconds: 60).Select(m => m / repetitions).ToArray();
        Volatile.Write(ref stop, true);
        double here = medians[1] - medians[0], there = medians[3] - medians[2];
        double kib = length * sizeof(double) / 1024.0;
        Console.WriteLine($"sum of H ({kib:F0} KiB) | written by this core {here,5:F1} µs ({length * sizeof(double) / here / 1e3,5:F1} GB/s) | by the other core {there,5:F1} µs ({length * sizeof(double) / there / 1e3,5:F1} GB/s)");
    }

    private static double Sum(ReadOnlySpan<double> values)
    {
        Vector<double> s0 = default, s1 = default, s2 = default, s3 = default;
        int width = Vector<double>.Count, i = 0;
        for (; i <= values.Length - 4 * width; i += 4 * width)
        {
            s0 += new Vector<double>(values[i..]);
            s1 += new Vector<double>(values[(i + width)..]);
            s2 += new Vector<double>(values[(i + 2 * width)..]);
            s3 += new Vector<double>(values[(i + 3 * width)..]);
        }

        double sum = Vector.Sum(s0 + s1 + s2 + s3);
        for (; i < values.Length; i++)
        {
            sum += values[i];
        }

        return sum;
    }

    /// <summary>
    /// DenseBackward (dH, dW overwritten, step) of one sample on a private 64 × 128 layer in
    /// double, 1,000 calls per round: on one thread alone, then on two threads at once, each on its
    /// own layer, started together. After 0.5 s of warm-up on both threads (the kernels' tiered
    /// compilation), medians of 20 rounds of each thread's time per call.
    /// </summary>
    private static void Halves()
    {
        const int rows = 64, columns = 128, calls = 1000;
        Parallelism.MaxDegreeOfParallelism = 1;
        var layers = Enumerable.Range(0, 2).Select(seed =>
        {
            var random = new Random(seed);
            double[] D(int length) => Enumerable.Range(0, length).Select(_ => random.NextDouble() * 1e-3).ToArray();
            var (w, g) = (new AlignedArray<double>(rows * columns), new AlignedArray<double>(rows * columns));
            D(rows * columns).CopyTo(w.Span);
            return (W: w, G: g, Dz: D(rows), H: D(columns), Dh: D(columns));
        }).ToArray();
        var step = GradientWrite<double>.TrainStep(1e-9);
        double Calls(int layer)
        {
            var (w, g, dz, h, dh) = layers[layer];
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < calls; i++)
            {
                Kernels.DenseBackward<double>(w.Span, dz, h, dh, g.Span, 1, step);
            }

            return Stopwatch.GetElapsedTime(start).TotalNanoseconds / calls;
        }

        var warm = Stopwatch.StartNew();
        while (warm.ElapsedMilliseconds < 500)
        {
            Calls(0);
            Calls(1);
        }

        int go = 0, done = 0;
        bool stop = false;
        double other = 0;
        var partner = new Thread(() =>
        {
            for (int round = 1; ; round++)
            {
                while (Volatile.Read(ref go) < round)
                {
                    if (Volatile.Read(ref stop))
                    {
                        return;
                    }
                }

                other = Calls(1);
                Volatile.Write(ref done, round);
            }
        }) { IsBackground = true };
        partner.Start();
        var (alone, together) = (new List<double>(), new List<double>());
        for (int round = 1; round <= 22; round++)
        {
            double single = Calls(0);
            Volatile.Write(ref go, round);
            double mine = Calls(0);
            while (Volatile.Read(ref done) < round)
            {
            }

            if (round > 2)
            {
                alone.Add(single);
                together.Add(Math.Max(mine, other));
            }
        }

        Volatile.Write(ref stop, true);
        Console.WriteLine($"mlp-128 half-layer backward, batch 1 | alone {Alternation.Median(alone),6:F0} ns | two at once {Alternation.Median(together),6:F0} ns (the slower thread)");
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
