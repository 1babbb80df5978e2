namespace SkipNet.Tests;

/// <summary>
/// The image kernels against PyTorch's formulas written out as plain loops (docs/conventions.md,
/// "Layers beyond Dense"), on many random shapes: convolution forward and both its gradients,
/// max, average and global average pooling.
/// </summary>
public class ImageKernelTests
{
    public static TheoryData<int> Seeds() => new(Enumerable.Range(0, 40));

    [Theory]
    [MemberData(nameof(Seeds))]
    public void ConvolutionIsPyTorchsFormulaForwardAndBackward(int seed)
    {
        var random = new Random(seed);
        int batch = 1 + random.Next(3), cin = 1 + random.Next(3), cout = 1 + random.Next(3), k = 1 + random.Next(3);
        int stride = 1 + random.Next(2), pad = random.Next(2), h = k + random.Next(5), w = k + random.Next(5);
        int oh = (h + 2 * pad - k) / stride + 1, ow = (w + 2 * pad - k) / stride + 1, positions = oh * ow, patch = cin * k * k;
        double[] Draw(int n) => Enumerable.Range(0, n).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        var weights = Draw(cout * patch);
        var bias = Draw(cout);
        var x = Draw(batch * cin * h * w);
        double In(int s, int c, int y, int xx) => (uint)y < (uint)h && (uint)xx < (uint)w ? x[((s * cin + c) * h + y) * w + xx] : 0;
        double Weight(int o, int c, int u, int v) => weights[((o * cin + c) * k + u) * k + v];

        // z[o, i, j] = b[o] + Σ_c Σ_u Σ_v W[o, c, u, v]·h[c, s·i + u − p, s·j + v − p]
        var expected = new double[batch * cout * positions];
        for (int s = 0; s < batch; s++)
            for (int o = 0; o < cout; o++)
                for (int i = 0; i < oh; i++)
                    for (int j = 0; j < ow; j++)
                    {
                        double sum = bias[o];
                        for (int c = 0; c < cin; c++)
                            for (int u = 0; u < k; u++)
                                for (int v = 0; v < k; v++)
                                    sum += Weight(o, c, u, v) * In(s, c, stride * i + u - pad, stride * j + v - pad);
                        expected[((s * cout + o) * oh + i) * ow + j] = sum;
                    }

        var z = Draw(expected.Length);
        ImageKernels.Conv2DForward<double>(weights, bias, x, z, batch, cin, h, w, k, stride, pad, accumulate: false);
        z.ShouldBe(expected, 1e-12);

        // Without a bias, added to what is there (a projection shortcut into a sum).
        var before = Draw(expected.Length);
        var added = before.ToArray();
        ImageKernels.Conv2DForward<double>(weights, [], x, added, batch, cin, h, w, k, stride, pad, accumulate: true);
        for (int i = 0; i < added.Length; i++)
        {
            added[i].ShouldBe(before[i] + expected[i] - bias[i / positions % cout], 1e-12);
        }

        // Backward for L = Σ δ⊙z: dL/dh = Σ δ[o, i, j]·W[o, c, u, v] at each tap, dL/dW = Σ δ·h at each tap, dL/db = Σ δ.
        var deltas = Draw(expected.Length);
        var expectedInput = new double[x.Length];
        var expectedWeights = new double[weights.Length];
        for (int s = 0; s < batch; s++)
            for (int o = 0; o < cout; o++)
                for (int i = 0; i < oh; i++)
                    for (int j = 0; j < ow; j++)
                    {
                        double d = deltas[((s * cout + o) * oh + i) * ow + j];
                        for (int c = 0; c < cin; c++)
                            for (int u = 0; u < k; u++)
                                for (int v = 0; v < k; v++)
                                {
                                    int y = stride * i + u - pad, xx = stride * j + v - pad;
                                    if ((uint)y < (uint)h && (uint)xx < (uint)w)
                                    {
                                        expectedInput[((s * cin + c) * h + y) * w + xx] += d * Weight(o, c, u, v);
                                    }

                                    expectedWeights[((o * cin + c) * k + u) * k + v] += d * In(s, c, y, xx);
                                }
                    }

        var inputDeltas = Draw(x.Length);
        var startDeltas = inputDeltas.ToArray();
        var gradient = Draw(weights.Length);
        var original = weights.ToArray();
        ImageKernels.Conv2DBackward<double>(weights, deltas, x, inputDeltas, gradient, batch, cin, h, w, k, stride, pad, GradientWrite<double>.TrainStep(0.5));
        for (int i = 0; i < x.Length; i++)
        {
            inputDeltas[i].ShouldBe(startDeltas[i] + expectedInput[i], 1e-12, "inputDeltas += the transposed convolution, with W before its step");
        }

        gradient.ShouldBe(expectedWeights, 1e-12, "written over by a training step");
        for (int i = 0; i < weights.Length; i++)
        {
            weights[i].ShouldBe(original[i] - 0.5 * expectedWeights[i], 1e-12, "then W −= rate·dL/dW");
        }

        // Accumulating, without the input's δ (a convolution on x): only dL/dW, added, and W untouched.
        var accumulated = Draw(weights.Length);
        var startAccumulated = accumulated.ToArray();
        var unchanged = original.ToArray();
        ImageKernels.Conv2DBackward<double>(unchanged, deltas, x, [], accumulated, batch, cin, h, w, k, stride, pad, GradientWrite<double>.Accumulate);
        for (int i = 0; i < weights.Length; i++)
        {
            accumulated[i].ShouldBe(startAccumulated[i] + expectedWeights[i], 1e-12, "added to what was there");
        }

        unchanged.ShouldBe(original);

        var biasGradient = Draw(cout);
        var startBias = biasGradient.ToArray();
        ImageKernels.ChannelBiasGradient<double>(deltas, biasGradient, bias.ToArray(), batch, positions, GradientWrite<double>.Accumulate);
        for (int o = 0; o < cout; o++)
        {
            double sum = Enumerable.Range(0, batch).Sum(s => deltas.AsSpan(((s * cout) + o) * positions, positions).ToArray().Sum());
            biasGradient[o].ShouldBe(startBias[o] + sum, 1e-12);
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void PoolingIsPyTorchsFormula(int seed)
    {
        var random = new Random(seed);
        int batch = 1 + random.Next(3), channels = 1 + random.Next(3), k = 1 + random.Next(3), stride = 1 + random.Next(3);
        int h = k + random.Next(5), w = k + random.Next(5), oh = (h - k) / stride + 1, ow = (w - k) / stride + 1;
        // Values from a small set, so that windows have ties: the gradient goes to the first maximum.
        var x = Enumerable.Range(0, batch * channels * h * w).Select(_ => (double)random.Next(4)).ToArray();
        var deltas = Enumerable.Range(0, batch * channels * oh * ow).Select(_ => random.NextDouble()).ToArray();
        var max = new double[deltas.Length];
        var average = new double[deltas.Length];
        var expectedMax = new double[deltas.Length];
        var expectedAverage = new double[deltas.Length];
        var maxGradient = new double[x.Length];
        var averageGradient = new double[x.Length];
        for (int plane = 0; plane < batch * channels; plane++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++)
                {
                    int at = (plane * oh + i) * ow + j, first = -1;
                    double sum = 0;
                    for (int u = 0; u < k; u++)
                        for (int v = 0; v < k; v++)
                        {
                            int index = (plane * h + i * stride + u) * w + j * stride + v;
                            sum += x[index];
                            if (first < 0 || x[index] > x[first])
                            {
                                first = index;
                            }
                        }

                    expectedMax[at] = x[first];
                    expectedAverage[at] = sum / (k * k);
                    maxGradient[first] += deltas[at];
                    for (int u = 0; u < k; u++)
                        for (int v = 0; v < k; v++)
                            averageGradient[(plane * h + i * stride + u) * w + j * stride + v] += deltas[at] / (k * k);
                }

        ImageKernels.MaxPool2DForward<double>(x, max, batch, channels, h, w, k, stride);
        max.ShouldBe(expectedMax);
        ImageKernels.AvgPool2DForward<double>(x, average, batch, channels, h, w, k, stride);
        average.ShouldBe(expectedAverage, 1e-14);
        var dMax = new double[x.Length];
        ImageKernels.MaxPool2DBackward<double>(x, deltas, dMax, batch, channels, h, w, k, stride);
        dMax.ShouldBe(maxGradient, 1e-14);
        var dAverage = new double[x.Length];
        ImageKernels.AvgPool2DBackward<double>(deltas, dAverage, batch, channels, h, w, k, stride);
        dAverage.ShouldBe(averageGradient, 1e-14);

        // Global average pooling: one mean per channel, and the gradient shared equally.
        var means = new double[batch * channels];
        ImageKernels.GlobalAvgPool2DForward<double>(x, means, batch, h * w);
        means.ShouldBe(Enumerable.Range(0, batch * channels).Select(p => x.AsSpan(p * h * w, h * w).ToArray().Average()).ToArray(), 1e-14);
        var dMeans = deltas[..means.Length];
        var dGlobal = new double[x.Length];
        ImageKernels.GlobalAvgPool2DBackward<double>(dMeans, dGlobal, batch, h * w);
        dGlobal.ShouldBe(Enumerable.Range(0, x.Length).Select(i => dMeans[i / (h * w)] / (h * w)).ToArray(), 1e-14);
    }

    [Fact]
    public void MaxPoolingTakesTheFirstMaximumAndANaNAsPyTorchDoes()
    {
        // Two 2×2 windows of a 2×4 plane: ties go to the first in row-major order; a NaN wins its window, wherever it stands.
        double[] x = [1, 3, 5, double.NaN, 3, 2, 7, 6];
        var max = new double[2];
        ImageKernels.MaxPool2DForward<double>(x, max, 1, 1, 2, 4, 2, 2);
        max[0].ShouldBe(3);
        double.IsNaN(max[1]).ShouldBeTrue();
        var dx = new double[8];
        ImageKernels.MaxPool2DBackward<double>(x, [10, 20], dx, 1, 1, 2, 4, 2, 2);
        dx.ShouldBe([0, 10, 0, 20, 0, 0, 0, 0]);
    }

    [Fact]
    public void TwoByTwoWindowsInVectorsKeepTheFirstMaximumBitForBit()
    {
        // Rows of 4 to 41 values (vectors of 256 and 128 bits, odd widths, overlapping last vectors),
        // with ties, signed zeros and NaNs: the value PyTorch's rule takes, to the bit.
        var random = new Random(5);
        double[] pool = [0.0, -0.0, 0.0, -0.0, 1.0, -1.0, 0.5, double.NaN, -double.NaN];
        for (int width = 4; width <= 41; width++)
        {
            int height = 2 + random.Next(4), batch = 1 + random.Next(2), channels = 1 + random.Next(2);
            var x = Enumerable.Range(0, batch * channels * height * width).Select(_ => pool[random.Next(pool.Length)]).ToArray();
            int oh = height / 2, ow = width / 2;
            var expected = new double[batch * channels * oh * ow];
            for (int plane = 0; plane < batch * channels; plane++)
                for (int i = 0; i < oh; i++)
                    for (int j = 0; j < ow; j++)
                    {
                        // PyTorch: take a value if it is larger than the best so far or is a NaN, while the best is not a NaN.
                        double best = double.NegativeInfinity;
                        bool first = true;
                        for (int u = 0; u < 2; u++)
                            for (int v = 0; v < 2; v++)
                            {
                                double value = x[(plane * height + 2 * i + u) * width + 2 * j + v];
                                if (first || ((value > best || double.IsNaN(value)) && !double.IsNaN(best)))
                                {
                                    best = value;
                                }

                                first = false;
                            }

                        expected[(plane * oh + i) * ow + j] = best;
                    }

            var pooled = new double[expected.Length];
            ImageKernels.MaxPool2DForward<double>(x, pooled, batch, channels, height, width, 2, 2);
            pooled.Select(BitConverter.DoubleToInt64Bits).ShouldBe(expected.Select(BitConverter.DoubleToInt64Bits), $"double, width {width}");

            var single = new float[expected.Length];
            ImageKernels.MaxPool2DForward<float>(x.Select(v => (float)v).ToArray(), single, batch, channels, height, width, 2, 2);
            single.Select(BitConverter.SingleToInt32Bits).ShouldBe(expected.Select(v => BitConverter.SingleToInt32Bits((float)v)), $"float, width {width}");
        }
    }

    [Fact]
    public void AWindowThatDoesNotFitIsRefused()
    {
        Should.Throw<ArgumentException>(() => ImageKernels.MaxPool2DForward<double>(new double[9], new double[1], 1, 1, 3, 3, 4, 4)).Message.ShouldContain("4×4 window");
        Should.Throw<ArgumentException>(() => ImageKernels.Conv2DForward<double>(new double[25], [], new double[9], new double[1], 1, 1, 3, 3, 5, 1, 0, false)).Message.ShouldContain("5×5 kernel");
    }
}
