using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using SkipNet;

namespace SkipNet.Benchmarks;

/// <summary>
/// `-- floor`: mlp-128's TrainStep at batch 1 on one thread against a plain loop that moves the
/// same memory and does nothing else: the forward pass reads each layer's W (summed in four
/// independent chains), the backward pass, from the last layer to the first, reads W and writes
/// dW and W (dW = a constant, W += rate·dW). Four layers of 128 × 128 doubles: W and dW together
/// are 1 MiB, the size of one core's L2. Alternated every 60 ms, medians of 10 rounds.
/// </summary>
internal static class Floor
{
    private const int Layers = 4, Units = 128;

    public static void Run()
    {
        Parallelism.MaxDegreeOfParallelism = 1;
        var net = new Mlp128();
        var random = new Random(1);
        var x = Enumerable.Range(0, Mlp128.InputSize).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        var y = new[] { random.NextDouble() };
        var w = Enumerable.Range(0, Layers).Select(_ => new AlignedArray<double>(Units * Units)).ToArray();
        var g = Enumerable.Range(0, Layers).Select(_ => new AlignedArray<double>(Units * Units)).ToArray();
        double sink = 0;
        var medians = Alternation.Medians(
        [
            (() => { }, () => net.TrainStep(x, y, 1e-4)),
            (() => { }, () => sink += Traffic(w, g)),
        ], milliseconds: 60);
        Console.WriteLine($"mlp-128 TrainStep, batch 1 | {medians[0],5:F1} µs | the same memory traffic alone {medians[1],5:F1} µs | {medians[0] / medians[1]:F2}×");
    }

    private static double Traffic(AlignedArray<double>[] w, AlignedArray<double>[] g)
    {
        int width = Vector512<double>.Count;
        Vector512<double> s0 = default, s1 = default, s2 = default, s3 = default;
        foreach (var layer in w)
        {
            ref double p = ref layer.Span[0];
            for (int i = 0; i < layer.Length; i += 4 * width)
            {
                s0 += Vector512.LoadUnsafe(ref p, (nuint)i);
                s1 += Vector512.LoadUnsafe(ref p, (nuint)(i + width));
                s2 += Vector512.LoadUnsafe(ref p, (nuint)(i + 2 * width));
                s3 += Vector512.LoadUnsafe(ref p, (nuint)(i + 3 * width));
            }
        }

        var gradient = Vector512.Create(1e-12);
        var rate = Vector512.Create(-1e-4);
        for (int l = w.Length - 1; l >= 0; l--)
        {
            ref double p = ref w[l].Span[0];
            ref double d = ref g[l].Span[0];
            for (int i = 0; i < w[l].Length; i += width)
            {
                var v = Vector512.LoadUnsafe(ref p, (nuint)i);
                gradient.StoreUnsafe(ref d, (nuint)i);
                (v + rate * gradient).StoreUnsafe(ref p, (nuint)i);
            }
        }

        return Vector512.Sum(s0 + s1 + s2 + s3);
    }
}
