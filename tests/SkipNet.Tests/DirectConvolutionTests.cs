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
}
