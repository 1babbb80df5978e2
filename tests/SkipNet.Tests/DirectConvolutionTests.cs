using System.Numerics;
using SkipNet.CompilerServices;

namespace SkipNet.Tests;

/// <summary>
/// Stride-1 convolutions run without im2col, on shifted views of zero-bordered planes, in panels of
/// eight (512-bit) or four (256-bit) output channels: held to PyTorch's formula written as loops on
/// shapes wider than one panel, with ragged channel counts, every padding up to two, and kernels up to
/// five, in double and float, with both vector widths (the 256-bit one is the switch the products use,
/// so these tests run alone).
/// </summary>
[Collection(nameof(ParallelismTests))]
public sealed class DirectConvolutionTests
{
    public static TheoryData<int> Seeds() => new(Enumerable.Range(0, 30));

    [Theory]
    [MemberData(nameof(Seeds))]
    public void DirectConvolutionIsPyTorchsFormula(int seed)
    {
        Check<double>(seed, 1e-12);
        Check<float>(seed, 2e-5);
    }

    private static void Check<T>(int seed, double tolerance)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(seed);
        int batch = 1 + random.Next(3), cin = 1 + random.Next(12), cout = 1 + random.Next(20), k = 1 + random.Next(5);
        int pad = random.Next(Math.Min(3, k + 1));
        int h = Math.Max(1, k - 2 * pad) + random.Next(18), w = Math.Max(1, k - 2 * pad) + random.Next(18);
        int oh = h + 2 * pad - k + 1, ow = w + 2 * pad - k + 1, positions = oh * ow, patch = cin * k * k;
        T[] Draw(int n) => Enumerable.Range(0, n).Select(_ => T.CreateTruncating(random.NextDouble() * 2 - 1)).ToArray();
        var weights = Draw(cout * patch);
        var bias = Draw(cout);
        var x = Draw(batch * cin * h * w);
        double In(int s, int c, int y, int xx) => (uint)y < (uint)h && (uint)xx < (uint)w ? double.CreateTruncating(x[((s * cin + c) * h + y) * w + xx]) : 0;

        // z[o, i, j] = b[o] + Σ_c Σ_u Σ_v W[o, c, u, v]·h[c, i + u − p, j + v − p]
        var expected = new double[batch * cout * positions];
        for (int s = 0; s < batch; s++)
            for (int o = 0; o < cout; o++)
                for (int i = 0; i < oh; i++)
                    for (int j = 0; j < ow; j++)
                    {
                        double sum = double.CreateTruncating(bias[o]);
                        for (int c = 0; c < cin; c++)
                            for (int u = 0; u < k; u++)
                                for (int v = 0; v < k; v++)
                                    sum += double.CreateTruncating(weights[((o * cin + c) * k + u) * k + v]) * In(s, c, i + u - pad, j + v - pad);
                        expected[((s * cout + o) * oh + i) * ow + j] = sum;
                    }

        var before = Draw(expected.Length);
        foreach (bool wide in new[] { true, false })
        {
            Gemm.UseVector512 = wide;
            try
            {
                string shape = $"{typeof(T).Name}, {(wide ? 512 : 256)}-bit, batch {batch}, {cin}→{cout} channels, {h}×{w}, k {k}, padding {pad}";
                var z = Draw(expected.Length);
                ImageKernels.Conv2DForward<T>(weights, bias, x, z, batch, cin, h, w, k, 1, pad, accumulate: false);
                for (int i = 0; i < z.Length; i++)
                {
                    double.CreateTruncating(z[i]).ShouldBe(expected[i], tolerance * (1 + patch), $"z[{i}], {shape}");
                }

                // Added to what is there, without a bias (a projection shortcut into a sum).
                var added = before.ToArray();
                ImageKernels.Conv2DForward<T>(weights, [], x, added, batch, cin, h, w, k, 1, pad, accumulate: true);
                for (int i = 0; i < added.Length; i++)
                {
                    double want = double.CreateTruncating(before[i]) + expected[i] - double.CreateTruncating(bias[i / positions % cout]);
                    double.CreateTruncating(added[i]).ShouldBe(want, tolerance * (2 + patch), $"added[{i}], {shape}");
                }

                // And with the bias, added first.
                var both = before.ToArray();
                ImageKernels.Conv2DForward<T>(weights, bias, x, both, batch, cin, h, w, k, 1, pad, accumulate: true);
                for (int i = 0; i < both.Length; i++)
                {
                    double.CreateTruncating(both[i]).ShouldBe(double.CreateTruncating(before[i]) + expected[i], tolerance * (2 + patch), $"both[{i}], {shape}");
                }
            }
            finally
            {
                Gemm.UseVector512 = true;
            }
        }
    }

    /// <summary>
    /// Forward's convolution and eval-mode BatchNorm in one pass (then the skip, then ReLU) give the bits
    /// of the four kernels one by one, on every path: direct (both vector widths) and im2col (stride 2),
    /// with and without a bias, an addend and ReLU, on one thread and two, with NaNs and signed zeros in
    /// the input.
    /// </summary>
    [Theory]
    [MemberData(nameof(Seeds))]
    public void NormalizedConvolutionIsTheLayersOneByOneBitForBit(int seed)
    {
        Fused<double>(seed);
        Fused<float>(seed);
    }

    private static void Fused<T>(int seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(seed);
        int batch = 1 + random.Next(6), cin = 1 + random.Next(10), cout = 1 + random.Next(20), k = 1 + random.Next(4), stride = 1 + random.Next(2);
        int pad = random.Next(Math.Min(3, k + 1));
        // Every third shape has rows narrower than a vector: the values one by one.
        int h = Math.Max(1, k - 2 * pad) + random.Next(20), w = Math.Max(1, k - 2 * pad) + random.Next(seed % 3 == 0 ? 4 : 20);
        int oh = (h + 2 * pad - k) / stride + 1, ow = (w + 2 * pad - k) / stride + 1, spatial = oh * ow;
        T[] Draw(int n) => Enumerable.Range(0, n).Select(_ => T.CreateTruncating(random.NextDouble() * 2 - 1)).ToArray();
        var weights = Draw(cout * cin * k * k);
        var bias = random.Next(2) == 0 ? [] : Draw(cout);
        var x = Draw(batch * cin * h * w);
        for (int i = 0; i < 3; i++)
        {
            x[random.Next(x.Length)] = T.NaN;
            x[random.Next(x.Length)] = T.NegativeZero;
        }

        var (gamma, beta, mean) = (Draw(cout), Draw(cout), Draw(cout));
        var variance = Draw(cout).Select(T.Abs).ToArray();
        T epsilon = T.CreateTruncating(1e-5);
        int n = batch * cout * spatial;
        bool rectify = seed % 2 == 0;
        var addend = random.Next(2) == 0 ? [] : Draw(n);

        foreach (bool wide in new[] { true, false })
        {
            foreach (int threads in new[] { 1, 2 })
            {
                var (degree, minimum) = (Parallelism.MaxDegreeOfParallelism, Parallelism.MinimumWorkPerPart);
                Gemm.UseVector512 = wide;
                Parallelism.MaxDegreeOfParallelism = threads;
                Parallelism.MinimumWorkPerPart = 1; // split even a small batch
                try
                {
                    string shape = $"{typeof(T).Name}, {(wide ? 512 : 256)}-bit, {threads} thread(s), batch {batch}, {cin}→{cout}, {h}×{w}, k {k}, stride {stride}, padding {pad}, bias {bias.Length > 0}, addend {addend.Length > 0}, ReLU {rectify}";
                    var z = new T[n];
                    var expected = new T[n];
                    ImageKernels.Conv2DForward<T>(weights, bias, x, z, batch, cin, h, w, k, stride, pad, accumulate: false);
                    LayerKernels.BatchNormEvalForward<T>(gamma, beta, mean, variance, z, expected, batch, spatial, epsilon);
                    if (addend.Length > 0)
                    {
                        Kernels.Add<T>(addend, expected);
                    }

                    if (rectify)
                    {
                        Activations.ReLU<T>(expected, expected);
                    }

                    var fused = Draw(n);
                    ImageKernels.Conv2DBatchNormForward<T>(weights, bias, gamma, beta, mean, variance, epsilon, x, addend, fused, batch, cin, h, w, k, stride, pad, rectify);
                    for (int i = 0; i < n; i++)
                    {
                        Bits(fused[i]).ShouldBe(Bits(expected[i]), $"[{i}] = {fused[i]}, not {expected[i]}; {shape}");
                    }
                }
                finally
                {
                    Gemm.UseVector512 = true;
                    (Parallelism.MaxDegreeOfParallelism, Parallelism.MinimumWorkPerPart) = (degree, minimum);
                }
            }
        }
    }

    private static long Bits<T>(T value)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(double) ? BitConverter.DoubleToInt64Bits(double.CreateTruncating(value)) : BitConverter.SingleToInt32Bits(float.CreateTruncating(value));

    [Fact]
    public void NormalizedConvolutionRefusesMismatchedSpansAndWritesNothing()
    {
        float[] weights = new float[2 * 3 * 9], bias = new float[2], stats = [1f, 1f], x = new float[3 * 5 * 5];
        var results = Enumerable.Repeat(7f, 2 * 25).ToArray();
        var thrown = Should.Throw<ArgumentException>(() => ImageKernels.Conv2DBatchNormForward<float>(weights, bias, [1f, 1f, 1f], stats, stats, stats, 1e-5f, x, [], results, 1, 3, 5, 5, 3, 1, 1, rectify: true));
        thrown.Message.ShouldContain("2");
        thrown.Message.ShouldContain("3");
        Should.Throw<ArgumentException>(() => ImageKernels.Conv2DBatchNormForward<float>(weights, bias, stats, stats, stats, stats, 1e-5f, x, new float[49], results, 1, 3, 5, 5, 3, 1, 1, rectify: true));
        Should.Throw<ArgumentException>(() => ImageKernels.Conv2DBatchNormForward<float>(weights, bias, stats, stats, stats, stats, 1e-5f, x, results, results, 1, 3, 5, 5, 3, 1, 1, rectify: true))
            .Message.ShouldContain("overlaps");
        results.ShouldAllBe(v => v == 7f);
    }
}
