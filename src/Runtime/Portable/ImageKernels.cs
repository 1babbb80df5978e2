using System;
using System.ComponentModel;
using static SkipNet.CompilerServices.Real;

namespace SkipNet.CompilerServices;

/// <summary>
/// The kernels of image layers on netstandard2.1: the .NET 8 build's entry points, layouts (NCHW, W of
/// shape C_out × C_in·k·k, zero padding) and formulas (docs/conventions.md, "Layers beyond Dense"),
/// computed directly from the definitions, in double, and rounded once per stored element. One thread.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static partial class ImageKernels
{
    /// <summary>results (=, or += when <paramref name="accumulate"/>) the convolution of each sample with W plus the bias (one per output channel; none when empty).</summary>
    /// <exception cref="ArgumentException">The lengths do not fit together; nothing is written.</exception>
    public static void Conv2DForward<T>(
        ReadOnlySpan<T> weights, ReadOnlySpan<T> bias, ReadOnlySpan<T> inputs, Span<T> results,
        int batch, int inChannels, int height, int width, int kernel, int stride, int padding, bool accumulate)
        where T : unmanaged
    {
        var g = Geometry.Of(inChannels, height, width, kernel, stride, padding, weights.Length, batch);
        CheckConvolution(g, bias, inputs.Length, results.Length, batch);
        using var scratch = new Scratch(g.Positions);
        var sums = scratch.Sums;
        for (int s = 0; s < batch; s++)
        {
            for (int o = 0; o < g.OutChannels; o++)
            {
                Convolve(weights, bias, inputs, g, s, o, sums);
                var z = results.Slice((s * g.OutChannels + o) * g.Positions, g.Positions);
                for (int at = 0; at < z.Length; at++)
                {
                    z[at] = From<T>(accumulate ? ToDouble(z[at]) + sums[at] : sums[at]);
                }
            }
        }
    }

    /// <summary>results = act(γ⊙((conv − μ)·r) + β + addend), r = 1/√(σ² + ε) from the running statistics, the addend added unless empty, act ReLU when <paramref name="rectify"/>.</summary>
    /// <exception cref="ArgumentException">The lengths do not fit together, or the addend overlaps the results; nothing is written.</exception>
    public static void Conv2DBatchNormForward<T>(
        ReadOnlySpan<T> weights, ReadOnlySpan<T> bias, ReadOnlySpan<T> gamma, ReadOnlySpan<T> beta, ReadOnlySpan<T> runningMean, ReadOnlySpan<T> runningVariance, T epsilon,
        ReadOnlySpan<T> inputs, ReadOnlySpan<T> addend, Span<T> results,
        int batch, int inChannels, int height, int width, int kernel, int stride, int padding, bool rectify)
        where T : unmanaged
    {
        var g = Geometry.Of(inChannels, height, width, kernel, stride, padding, weights.Length, batch);
        CheckConvolution(g, bias, inputs.Length, results.Length, batch);
        SpanCheck.Same(g.OutChannels, gamma.Length);
        SpanCheck.Same(g.OutChannels, beta.Length);
        SpanCheck.Same(g.OutChannels, runningMean.Length);
        SpanCheck.Same(g.OutChannels, runningVariance.Length);
        if (!addend.IsEmpty)
        {
            SpanCheck.Same(results.Length, addend.Length);
            if (addend.Overlaps(results))
            {
                throw new ArgumentException("The addend overlaps the results: pass a span of its own.", nameof(addend));
            }
        }

        using var scratch = new Scratch(g.Positions);
        var sums = scratch.Sums;
        for (int s = 0; s < batch; s++)
        {
            for (int o = 0; o < g.OutChannels; o++)
            {
                double r = 1 / Math.Sqrt(ToDouble(runningVariance[o]) + ToDouble(epsilon)), mu = ToDouble(runningMean[o]);
                double scale = ToDouble(gamma[o]), shift = ToDouble(beta[o]);
                Convolve(weights, bias, inputs, g, s, o, sums);
                int start = (s * g.OutChannels + o) * g.Positions;
                for (int at = 0; at < g.Positions; at++)
                {
                    double z = scale * ((sums[at] - mu) * r) + shift;
                    if (!addend.IsEmpty)
                    {
                        z += ToDouble(addend[start + at]);
                    }

                    results[start + at] = From<T>(rectify && !(z >= 0) ? 0 : z); // Activations.ReLU's rule
                }
            }
        }
    }

    /// <summary>
    /// The backward pass of <see cref="Conv2DForward{T}"/>: unless <paramref name="inputDeltas"/> is empty,
    /// inputDeltas += the transposed convolution of the deltas with W; then dL/dW (+)= Σ_s deltas_s·patches_sᵀ,
    /// stored as <paramref name="write"/> says, and, if it steps, W −= rate·dL/dW (after W's last read).
    /// </summary>
    /// <exception cref="ArgumentException">The lengths do not fit together; nothing is written.</exception>
    public static void Conv2DBackward<T>(
        Span<T> weights, ReadOnlySpan<T> deltas, ReadOnlySpan<T> inputs, Span<T> inputDeltas, Span<T> gradient,
        int batch, int inChannels, int height, int width, int kernel, int stride, int padding, GradientWrite<T> write)
        where T : unmanaged
    {
        var g = Geometry.Of(inChannels, height, width, kernel, stride, padding, weights.Length, batch);
        SpanCheck.Same((long)batch * g.InputSize, inputs.Length);
        SpanCheck.Same((long)batch * g.OutChannels * g.Positions, deltas.Length);
        SpanCheck.Same(weights.Length, gradient.Length);
        if (!inputDeltas.IsEmpty)
        {
            SpanCheck.Same(inputs.Length, inputDeltas.Length);
            InputBackward(weights, deltas, inputDeltas, batch, g);
        }

        int area = kernel * kernel;
        double rate = ToDouble(write.LearningRate);
        for (int o = 0; o < g.OutChannels; o++)
        {
            for (int c = 0; c < inChannels; c++)
            {
                for (int u = 0; u < kernel; u++)
                {
                    for (int v = 0; v < kernel; v++)
                    {
                        double sum = 0;
                        var (iFirst, iLast) = g.InsideRows(u);
                        var (jFirst, jLast) = g.Inside(v);
                        for (int s = 0; s < batch; s++)
                        {
                            var image = inputs.Slice((s * inChannels + c) * g.InputPlane, g.InputPlane);
                            var delta = deltas.Slice((s * g.OutChannels + o) * g.Positions, g.Positions);
                            for (int i = iFirst; i < iLast; i++)
                            {
                                int line = TapStart(g, i, u, v);
                                for (int j = jFirst; j < jLast; j++)
                                {
                                    sum += ToDouble(delta[i * g.OutWidth + j]) * ToDouble(image[line + j * stride]);
                                }
                            }
                        }

                        int at = (o * inChannels + c) * area + u * kernel + v;
                        gradient[at] = From<T>(write.Overwrite ? sum : ToDouble(gradient[at]) + sum);
                        if (write.Step)
                        {
                            weights[at] = From<T>(ToDouble(weights[at]) - rate * ToDouble(gradient[at]));
                        }
                    }
                }
            }
        }
    }

    /// <summary>The input's part of <see cref="Conv2DBackward{T}"/>: inputDeltas += the transposed convolution of <paramref name="deltas"/> with W.</summary>
    /// <exception cref="ArgumentException">The lengths do not fit together; nothing is written.</exception>
    public static void Conv2DInputBackward<T>(
        ReadOnlySpan<T> weights, ReadOnlySpan<T> deltas, Span<T> inputDeltas,
        int batch, int inChannels, int height, int width, int kernel, int stride, int padding)
        where T : unmanaged
    {
        var g = Geometry.Of(inChannels, height, width, kernel, stride, padding, weights.Length, batch);
        SpanCheck.Same((long)batch * g.InputSize, inputDeltas.Length);
        SpanCheck.Same((long)batch * g.OutChannels * g.Positions, deltas.Length);
        InputBackward(weights, deltas, inputDeltas, batch, g);
    }

    /// <summary>A bias per channel: gradient (+)= Σ dL/dz over each channel's batch·spatial values, stored as <paramref name="write"/> says, then bias −= rate·gradient if it steps.</summary>
    /// <exception cref="ArgumentException">The lengths do not fit together; nothing is written.</exception>
    public static void ChannelBiasGradient<T>(ReadOnlySpan<T> deltas, Span<T> gradient, Span<T> bias, int batch, int spatial, GradientWrite<T> write)
        where T : unmanaged
    {
        int channels = bias.Length;
        SpanCheck.Same(channels, gradient.Length);
        SpanCheck.Same((long)batch * channels * spatial, deltas.Length);
        for (int c = 0; c < channels; c++)
        {
            double sum = write.Overwrite ? 0 : ToDouble(gradient[c]);
            for (int s = 0; s < batch; s++)
            {
                foreach (T d in deltas.Slice((s * channels + c) * spatial, spatial))
                {
                    sum += ToDouble(d);
                }
            }

            gradient[c] = From<T>(sum);
            if (write.Step)
            {
                bias[c] = From<T>(ToDouble(bias[c]) - ToDouble(write.LearningRate) * ToDouble(gradient[c]));
            }
        }
    }

    /// <summary>Max pooling with a k × k window and stride <paramref name="stride"/>, no padding: results = the maximum of each window (a NaN counts as a maximum), written over.</summary>
    /// <exception cref="ArgumentException">The lengths do not fit together; nothing is written.</exception>
    public static void MaxPool2DForward<T>(ReadOnlySpan<T> inputs, Span<T> results, int batch, int channels, int height, int width, int kernel, int stride)
        where T : unmanaged
    {
        var (outHeight, outWidth) = Pooled(inputs.Length, results.Length, batch, channels, height, width, kernel, stride);
        for (int plane = 0; plane < batch * channels; plane++)
        {
            var input = inputs.Slice(plane * height * width, height * width);
            for (int i = 0; i < outHeight; i++)
            {
                for (int j = 0; j < outWidth; j++)
                {
                    results[(plane * outHeight + i) * outWidth + j] = input[FirstMaximum(input, width, i * stride, j * stride, kernel)];
                }
            }
        }
    }

    /// <summary>The backward pass of <see cref="MaxPool2DForward{T}"/>: each window's dL/dz is added to the input at its first maximum in row-major order (PyTorch's choice).</summary>
    /// <exception cref="ArgumentException">The lengths do not fit together; nothing is written.</exception>
    public static void MaxPool2DBackward<T>(ReadOnlySpan<T> inputs, ReadOnlySpan<T> deltas, Span<T> inputDeltas, int batch, int channels, int height, int width, int kernel, int stride)
        where T : unmanaged
    {
        var (outHeight, outWidth) = Pooled(inputs.Length, deltas.Length, batch, channels, height, width, kernel, stride);
        SpanCheck.Same(inputs.Length, inputDeltas.Length);
        for (int plane = 0; plane < batch * channels; plane++)
        {
            int start = plane * height * width;
            var input = inputs.Slice(start, height * width);
            for (int i = 0; i < outHeight; i++)
            {
                for (int j = 0; j < outWidth; j++)
                {
                    int at = start + FirstMaximum(input, width, i * stride, j * stride, kernel);
                    inputDeltas[at] = From<T>(ToDouble(inputDeltas[at]) + ToDouble(deltas[(plane * outHeight + i) * outWidth + j]));
                }
            }
        }
    }

    /// <summary>Average pooling with a k × k window and stride <paramref name="stride"/>, no padding: results = each window's mean, written over.</summary>
    /// <exception cref="ArgumentException">The lengths do not fit together; nothing is written.</exception>
    public static void AvgPool2DForward<T>(ReadOnlySpan<T> inputs, Span<T> results, int batch, int channels, int height, int width, int kernel, int stride)
        where T : unmanaged
    {
        var (outHeight, outWidth) = Pooled(inputs.Length, results.Length, batch, channels, height, width, kernel, stride);
        double area = kernel * kernel;
        for (int plane = 0; plane < batch * channels; plane++)
        {
            var input = inputs.Slice(plane * height * width, height * width);
            for (int i = 0; i < outHeight; i++)
            {
                for (int j = 0; j < outWidth; j++)
                {
                    double sum = 0;
                    for (int u = 0; u < kernel; u++)
                    {
                        foreach (T v in input.Slice((i * stride + u) * width + j * stride, kernel))
                        {
                            sum += ToDouble(v);
                        }
                    }

                    results[(plane * outHeight + i) * outWidth + j] = From<T>(sum / area);
                }
            }
        }
    }

    /// <summary>The backward pass of <see cref="AvgPool2DForward{T}"/>: each window's dL/dz / k² is added to each of its inputs.</summary>
    /// <exception cref="ArgumentException">The lengths do not fit together; nothing is written.</exception>
    public static void AvgPool2DBackward<T>(ReadOnlySpan<T> deltas, Span<T> inputDeltas, int batch, int channels, int height, int width, int kernel, int stride)
        where T : unmanaged
    {
        var (outHeight, outWidth) = Pooled(inputDeltas.Length, deltas.Length, batch, channels, height, width, kernel, stride);
        double area = kernel * kernel;
        for (int plane = 0; plane < batch * channels; plane++)
        {
            var inputDelta = inputDeltas.Slice(plane * height * width, height * width);
            for (int i = 0; i < outHeight; i++)
            {
                for (int j = 0; j < outWidth; j++)
                {
                    double share = ToDouble(deltas[(plane * outHeight + i) * outWidth + j]) / area;
                    for (int u = 0; u < kernel; u++)
                    {
                        foreach (ref T v in inputDelta.Slice((i * stride + u) * width + j * stride, kernel))
                        {
                            v = From<T>(ToDouble(v) + share);
                        }
                    }
                }
            }
        }
    }

    /// <summary>Global average pooling: results[s, c] = the mean of sample s's channel c over its <paramref name="spatial"/> values, written over.</summary>
    /// <exception cref="ArgumentException">The lengths do not fit together; nothing is written.</exception>
    public static void GlobalAvgPool2DForward<T>(ReadOnlySpan<T> inputs, Span<T> results, int batch, int spatial)
        where T : unmanaged
    {
        SpanCheck.Same((long)results.Length * spatial, inputs.Length);
        SpanCheck.Same(0, results.Length % Math.Max(batch, 1));
        for (int i = 0; i < results.Length; i++)
        {
            double sum = 0;
            foreach (T v in inputs.Slice(i * spatial, spatial))
            {
                sum += ToDouble(v);
            }

            results[i] = From<T>(sum / spatial);
        }
    }

    /// <summary>The backward pass of <see cref="GlobalAvgPool2DForward{T}"/>: dL/dz[s, c] / spatial is added to each value of the channel.</summary>
    /// <exception cref="ArgumentException">The lengths do not fit together; nothing is written.</exception>
    public static void GlobalAvgPool2DBackward<T>(ReadOnlySpan<T> deltas, Span<T> inputDeltas, int batch, int spatial)
        where T : unmanaged
    {
        SpanCheck.Same((long)deltas.Length * spatial, inputDeltas.Length);
        SpanCheck.Same(0, deltas.Length % Math.Max(batch, 1));
        for (int i = 0; i < deltas.Length; i++)
        {
            double share = ToDouble(deltas[i]) / spatial;
            foreach (ref T v in inputDeltas.Slice(i * spatial, spatial))
            {
                v = From<T>(ToDouble(v) + share);
            }
        }
    }

    // sums[i, j] = b[o] (0 without a bias) + Σ_{c,u,v} W[o, c, u, v]·x[s, c, i·stride + u − p, j·stride + v − p]
    // over the taps inside the image (the padding is zeros), tap by tap in (c, u, v) order.
    private static void Convolve<T>(ReadOnlySpan<T> weights, ReadOnlySpan<T> bias, ReadOnlySpan<T> inputs, Geometry g, int s, int o, Span<double> sums)
        where T : unmanaged
    {
        sums.Fill(bias.IsEmpty ? 0 : ToDouble(bias[o]));
        for (int c = 0; c < g.InChannels; c++)
        {
            var image = inputs.Slice((s * g.InChannels + c) * g.InputPlane, g.InputPlane);
            for (int u = 0; u < g.Kernel; u++)
            {
                var (iFirst, iLast) = g.InsideRows(u);
                for (int v = 0; v < g.Kernel; v++)
                {
                    var (jFirst, jLast) = g.Inside(v);
                    double w = ToDouble(weights[((o * g.InChannels + c) * g.Kernel + u) * g.Kernel + v]);
                    for (int i = iFirst; i < iLast; i++)
                    {
                        int line = TapStart(g, i, u, v), row = i * g.OutWidth;
                        for (int j = jFirst; j < jLast; j++)
                        {
                            sums[row + j] += w * ToDouble(image[line + j * g.Stride]);
                        }
                    }
                }
            }
        }
    }

    // inputDeltas[s, c, y, x] += Σ W[o, c, u, v]·deltas[s, o, i, j] over the outputs whose window reads (y, x):
    // y = i·stride + u − p, x = j·stride + v − p; a plane of double sums per input channel, rounded once.
    private static void InputBackward<T>(ReadOnlySpan<T> weights, ReadOnlySpan<T> deltas, Span<T> inputDeltas, int batch, Geometry g)
        where T : unmanaged
    {
        using var scratch = new Scratch(g.InputPlane);
        var sums = scratch.Sums;
        for (int s = 0; s < batch; s++)
        {
            for (int c = 0; c < g.InChannels; c++)
            {
                var inputDelta = inputDeltas.Slice((s * g.InChannels + c) * g.InputPlane, g.InputPlane);
                for (int at = 0; at < sums.Length; at++)
                {
                    sums[at] = ToDouble(inputDelta[at]);
                }

                for (int o = 0; o < g.OutChannels; o++)
                {
                    var delta = deltas.Slice((s * g.OutChannels + o) * g.Positions, g.Positions);
                    for (int u = 0; u < g.Kernel; u++)
                    {
                        var (iFirst, iLast) = g.InsideRows(u);
                        for (int v = 0; v < g.Kernel; v++)
                        {
                            var (jFirst, jLast) = g.Inside(v);
                            double w = ToDouble(weights[((o * g.InChannels + c) * g.Kernel + u) * g.Kernel + v]);
                            for (int i = iFirst; i < iLast; i++)
                            {
                                int line = TapStart(g, i, u, v), row = i * g.OutWidth;
                                for (int j = jFirst; j < jLast; j++)
                                {
                                    sums[line + j * g.Stride] += w * ToDouble(delta[row + j]);
                                }
                            }
                        }
                    }
                }

                for (int at = 0; at < sums.Length; at++)
                {
                    inputDelta[at] = From<T>(sums[at]);
                }
            }
        }
    }

    // Where tap (u, v) of output row i reads in the input plane, at column 0 (the run continues every stride):
    // row i·stride + u − p, column v − p. The three convolution loops walk the same runs: Convolve gathers
    // along them, InputBackward scatters along them, Conv2DBackward's dW dots along them.
    private static int TapStart(Geometry g, int i, int u, int v) => (i * g.Stride + u - g.Padding) * g.Width + v - g.Padding;

    // The index in the plane of the window's first maximum in row-major order: a value replaces the best so far when it is not ≤ it (larger, or a NaN) and the best so far is not a NaN.
    private static int FirstMaximum<T>(ReadOnlySpan<T> plane, int width, int row, int col, int kernel)
        where T : unmanaged
    {
        int best = row * width + col;
        double most = ToDouble(plane[best]);
        for (int u = 0; u < kernel; u++)
        {
            for (int v = 0; v < kernel; v++)
            {
                int at = (row + u) * width + col + v;
                double value = ToDouble(plane[at]);
                if (!(value <= most) && !double.IsNaN(most))
                {
                    most = value;
                    best = at;
                }
            }
        }

        return best;
    }

    private static void CheckConvolution<T>(Geometry g, ReadOnlySpan<T> bias, int inputsLength, int resultsLength, int batch)
    {
        SpanCheck.Same((long)batch * g.InputSize, inputsLength);
        SpanCheck.Same((long)batch * g.OutChannels * g.Positions, resultsLength);
        if (!bias.IsEmpty)
        {
            SpanCheck.Same(g.OutChannels, bias.Length);
        }
    }
}
