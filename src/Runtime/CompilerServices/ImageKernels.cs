using System;
using System.ComponentModel;
using System.Numerics;

namespace SkipNet.CompilerServices;

/// <summary>
/// The kernels of image layers, for looped networks: samples are C·H·W values each in NCHW order
/// (channel, then row, then column), a batch one sample after another. PyTorch's formulas
/// (docs/conventions.md, "Layers beyond Dense"). A convolution is a matrix product on patches
/// (im2col): each output position's receptive field, C_in·k·k values in (c, u, v) order, is a row,
/// so the product and its gradients are <see cref="Kernels"/>' dense ones, split over threads alike.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ImageKernels
{
    /// <summary>
    /// results (=, or += when <paramref name="accumulate"/>) the convolution of each sample with W
    /// (C_out × C_in·k·k, weight.view(out, −1)) plus the bias (one per output channel; none when empty),
    /// zeros padding <paramref name="padding"/> on every side, stride <paramref name="stride"/>.
    /// <paramref name="patches"/> (batch·H'·W' × C_in·k·k) and <paramref name="products"/>
    /// (batch·H'·W' × C_out) are scratch.
    /// </summary>
    /// <exception cref="ArgumentException">The lengths do not fit together; nothing is written.</exception>
    public static void Conv2DForward<T>(
        ReadOnlySpan<T> weights, ReadOnlySpan<T> bias, ReadOnlySpan<T> inputs, Span<T> results, Span<T> patches, Span<T> products,
        int batch, int inChannels, int height, int width, int kernel, int stride, int padding, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = Geometry.Of(inChannels, height, width, kernel, stride, padding, weights.Length, batch);
        int outChannels = g.OutChannels;
        SpanCheck.Same((long)batch * g.InputSize, inputs.Length);
        SpanCheck.Same((long)batch * outChannels * g.Positions, results.Length);
        SpanCheck.Same((long)batch * g.Positions * g.PatchSize, patches.Length);
        SpanCheck.Same((long)batch * g.Positions * outChannels, products.Length);
        if (!bias.IsEmpty)
        {
            SpanCheck.Same(outChannels, bias.Length);
        }

        Im2Col(inputs, patches, batch, g);
        int rows = batch * g.Positions;
        if (bias.IsEmpty)
        {
            products.Clear();
            Kernels.MultiplyAdd(weights, patches, products, rows);
        }
        else
        {
            Kernels.DenseForward(weights, bias, patches, products, rows);
        }

        // products[s·P + p, o] → results[s, o, p] (NCHW).
        for (int s = 0; s < batch; s++)
        {
            var sample = products.Slice(s * g.Positions * outChannels, g.Positions * outChannels);
            var result = results.Slice(s * outChannels * g.Positions, outChannels * g.Positions);
            for (int p = 0; p < g.Positions; p++)
            {
                for (int o = 0; o < outChannels; o++)
                {
                    T v = sample[p * outChannels + o];
                    result[o * g.Positions + p] = accumulate ? result[o * g.Positions + p] + v : v;
                }
            }
        }
    }

    /// <summary>
    /// The backward pass of <see cref="Conv2DForward{T}"/> for dL/dz in <paramref name="deltas"/>:
    /// unless <paramref name="inputDeltas"/> is empty, inputDeltas += the transposed convolution of the
    /// deltas with W; then dL/dW (+)= Σ dL/dz·patchᵀ, stored as <paramref name="write"/> says, and, if it
    /// steps, W −= rate·dL/dW (after W's last read). The bias's gradient is <see cref="ChannelBiasGradient{T}"/>'s.
    /// <paramref name="patches"/>, <paramref name="products"/> and <paramref name="patchDeltas"/> are scratch.
    /// </summary>
    /// <exception cref="ArgumentException">The lengths do not fit together; nothing is written.</exception>
    public static void Conv2DBackward<T>(
        Span<T> weights, ReadOnlySpan<T> deltas, ReadOnlySpan<T> inputs, Span<T> inputDeltas, Span<T> gradient, Span<T> patches, Span<T> products, Span<T> patchDeltas,
        int batch, int inChannels, int height, int width, int kernel, int stride, int padding, GradientWrite<T> write)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = Geometry.Of(inChannels, height, width, kernel, stride, padding, weights.Length, batch);
        int outChannels = g.OutChannels;
        SpanCheck.Same((long)batch * g.InputSize, inputs.Length);
        SpanCheck.Same((long)batch * outChannels * g.Positions, deltas.Length);
        SpanCheck.Same((long)batch * g.Positions * g.PatchSize, patches.Length);
        SpanCheck.Same((long)batch * g.Positions * outChannels, products.Length);
        SpanCheck.Same(weights.Length, gradient.Length);
        if (!inputDeltas.IsEmpty)
        {
            SpanCheck.Same(inputs.Length, inputDeltas.Length);
            SpanCheck.Same(patches.Length, patchDeltas.Length);
        }

        // deltas[s, o, p] → products[s·P + p, o], the rows the dense kernels take.
        for (int s = 0; s < batch; s++)
        {
            var sample = deltas.Slice(s * outChannels * g.Positions, outChannels * g.Positions);
            var rows = products.Slice(s * g.Positions * outChannels, g.Positions * outChannels);
            for (int o = 0; o < outChannels; o++)
            {
                for (int p = 0; p < g.Positions; p++)
                {
                    rows[p * outChannels + o] = sample[o * g.Positions + p];
                }
            }
        }

        Im2Col(inputs, patches, batch, g);
        int count = batch * g.Positions;
        if (!inputDeltas.IsEmpty)
        {
            patchDeltas.Clear();
            Kernels.TransposeMultiplyAdd(weights, products, patchDeltas, count);
            Col2ImAdd(patchDeltas, inputDeltas, batch, g);
        }

        Kernels.WeightGradient(products, patches, gradient, weights, count, write);
    }

    /// <summary>A bias per channel: gradient (+)= Σ dL/dz over each channel's batch·spatial values, stored as <paramref name="write"/> says, then bias −= rate·gradient if it steps.</summary>
    /// <exception cref="ArgumentException">The lengths do not fit together; nothing is written.</exception>
    public static void ChannelBiasGradient<T>(ReadOnlySpan<T> deltas, Span<T> gradient, Span<T> bias, int batch, int spatial, GradientWrite<T> write)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int channels = bias.Length;
        SpanCheck.Same(channels, gradient.Length);
        SpanCheck.Same((long)batch * channels * spatial, deltas.Length);
        int stride = channels * spatial;
        for (int c = 0; c < channels; c++)
        {
            T sum = write.Overwrite ? T.Zero : gradient[c];
            for (int s = 0; s < batch; s++)
            {
                foreach (T d in deltas.Slice(s * stride + c * spatial, spatial))
                {
                    sum += d;
                }
            }

            gradient[c] = sum;
            if (write.Step)
            {
                bias[c] += -write.LearningRate * sum;
            }
        }
    }

    /// <summary>
    /// Max pooling with a k × k window and stride <paramref name="stride"/>, no padding: results = the
    /// maximum of each window (H' = ⌊(H − k)/stride⌋ + 1), written over.
    /// </summary>
    /// <exception cref="ArgumentException">The lengths do not fit together; nothing is written.</exception>
    public static void MaxPool2DForward<T>(ReadOnlySpan<T> inputs, Span<T> results, int batch, int channels, int height, int width, int kernel, int stride)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (outHeight, outWidth) = Pooled(inputs.Length, results.Length, batch, channels, height, width, kernel, stride);
        int planes = batch * channels;
        for (int plane = 0; plane < planes; plane++)
        {
            var input = inputs.Slice(plane * height * width, height * width);
            var result = results.Slice(plane * outHeight * outWidth, outHeight * outWidth);
            for (int i = 0; i < outHeight; i++)
            {
                for (int j = 0; j < outWidth; j++)
                {
                    result[i * outWidth + j] = input[FirstMaximum(input, width, i * stride, j * stride, kernel)];
                }
            }
        }
    }

    /// <summary>
    /// The backward pass of <see cref="MaxPool2DForward{T}"/>: each window's dL/dz is added to the
    /// input at its first maximum in row-major order (PyTorch's choice), found again from
    /// <paramref name="inputs"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The lengths do not fit together; nothing is written.</exception>
    public static void MaxPool2DBackward<T>(ReadOnlySpan<T> inputs, ReadOnlySpan<T> deltas, Span<T> inputDeltas, int batch, int channels, int height, int width, int kernel, int stride)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (outHeight, outWidth) = Pooled(inputs.Length, deltas.Length, batch, channels, height, width, kernel, stride);
        SpanCheck.Same(inputs.Length, inputDeltas.Length);
        int planes = batch * channels;
        for (int plane = 0; plane < planes; plane++)
        {
            var input = inputs.Slice(plane * height * width, height * width);
            var inputDelta = inputDeltas.Slice(plane * height * width, height * width);
            var delta = deltas.Slice(plane * outHeight * outWidth, outHeight * outWidth);
            for (int i = 0; i < outHeight; i++)
            {
                for (int j = 0; j < outWidth; j++)
                {
                    inputDelta[FirstMaximum(input, width, i * stride, j * stride, kernel)] += delta[i * outWidth + j];
                }
            }
        }
    }

    /// <summary>Average pooling with a k × k window and stride <paramref name="stride"/>, no padding: results = each window's mean, written over.</summary>
    /// <exception cref="ArgumentException">The lengths do not fit together; nothing is written.</exception>
    public static void AvgPool2DForward<T>(ReadOnlySpan<T> inputs, Span<T> results, int batch, int channels, int height, int width, int kernel, int stride)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (outHeight, outWidth) = Pooled(inputs.Length, results.Length, batch, channels, height, width, kernel, stride);
        T area = T.CreateTruncating(kernel * kernel);
        int planes = batch * channels;
        for (int plane = 0; plane < planes; plane++)
        {
            var input = inputs.Slice(plane * height * width, height * width);
            var result = results.Slice(plane * outHeight * outWidth, outHeight * outWidth);
            for (int i = 0; i < outHeight; i++)
            {
                for (int j = 0; j < outWidth; j++)
                {
                    T sum = T.Zero;
                    for (int u = 0; u < kernel; u++)
                    {
                        foreach (T v in input.Slice((i * stride + u) * width + j * stride, kernel))
                        {
                            sum += v;
                        }
                    }

                    result[i * outWidth + j] = sum / area;
                }
            }
        }
    }

    /// <summary>The backward pass of <see cref="AvgPool2DForward{T}"/>: each window's dL/dz / k² is added to each of its inputs.</summary>
    /// <exception cref="ArgumentException">The lengths do not fit together; nothing is written.</exception>
    public static void AvgPool2DBackward<T>(ReadOnlySpan<T> deltas, Span<T> inputDeltas, int batch, int channels, int height, int width, int kernel, int stride)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (outHeight, outWidth) = Pooled(inputDeltas.Length, deltas.Length, batch, channels, height, width, kernel, stride);
        T area = T.CreateTruncating(kernel * kernel);
        int planes = batch * channels;
        for (int plane = 0; plane < planes; plane++)
        {
            var inputDelta = inputDeltas.Slice(plane * height * width, height * width);
            var delta = deltas.Slice(plane * outHeight * outWidth, outHeight * outWidth);
            for (int i = 0; i < outHeight; i++)
            {
                for (int j = 0; j < outWidth; j++)
                {
                    T share = delta[i * outWidth + j] / area;
                    for (int u = 0; u < kernel; u++)
                    {
                        foreach (ref T v in inputDelta.Slice((i * stride + u) * width + j * stride, kernel))
                        {
                            v += share;
                        }
                    }
                }
            }
        }
    }

    /// <summary>Global average pooling: results[s, c] = the mean of sample s's channel c over its <paramref name="spatial"/> values, written over.</summary>
    /// <exception cref="ArgumentException">The lengths do not fit together; nothing is written.</exception>
    public static void GlobalAvgPool2DForward<T>(ReadOnlySpan<T> inputs, Span<T> results, int batch, int spatial)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        SpanCheck.Same((long)results.Length * spatial, inputs.Length);
        SpanCheck.Same(0, results.Length % Math.Max(batch, 1));
        T count = T.CreateTruncating(spatial);
        for (int i = 0; i < results.Length; i++)
        {
            T sum = T.Zero;
            foreach (T v in inputs.Slice(i * spatial, spatial))
            {
                sum += v;
            }

            results[i] = sum / count;
        }
    }

    /// <summary>The backward pass of <see cref="GlobalAvgPool2DForward{T}"/>: dL/dz[s, c] / spatial is added to each value of the channel.</summary>
    /// <exception cref="ArgumentException">The lengths do not fit together; nothing is written.</exception>
    public static void GlobalAvgPool2DBackward<T>(ReadOnlySpan<T> deltas, Span<T> inputDeltas, int batch, int spatial)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        SpanCheck.Same((long)deltas.Length * spatial, inputDeltas.Length);
        SpanCheck.Same(0, deltas.Length % Math.Max(batch, 1));
        T count = T.CreateTruncating(spatial);
        for (int i = 0; i < deltas.Length; i++)
        {
            T share = deltas[i] / count;
            foreach (ref T v in inputDeltas.Slice(i * spatial, spatial))
            {
                v += share;
            }
        }
    }

    /// <summary>The index (in the plane) of the first maximum of the k × k window at (row, col), in row-major order; a NaN is a maximum.</summary>
    private static int FirstMaximum<T>(ReadOnlySpan<T> plane, int width, int row, int col, int kernel)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int best = row * width + col;
        for (int u = 0; u < kernel; u++)
        {
            for (int v = 0; v < kernel; v++)
            {
                int at = (row + u) * width + col + v;
                if (plane[at] > plane[best] || (T.IsNaN(plane[at]) && !T.IsNaN(plane[best])))
                {
                    best = at;
                }
            }
        }

        return best;
    }

    private static (int OutHeight, int OutWidth) Pooled(int inputLength, int resultLength, int batch, int channels, int height, int width, int kernel, int stride)
    {
        if (kernel < 1 || stride < 1 || kernel > height || kernel > width)
        {
            throw new ArgumentException($"A {kernel}×{kernel} window with stride {stride} does not fit a {height}×{width} image.");
        }

        int outHeight = (height - kernel) / stride + 1, outWidth = (width - kernel) / stride + 1;
        SpanCheck.Same((long)batch * channels * height * width, inputLength);
        SpanCheck.Same((long)batch * channels * outHeight * outWidth, resultLength);
        return (outHeight, outWidth);
    }

    /// <summary>Each output position's receptive field as a row of C_in·k·k values, (c, u, v) order, zeros outside the image.</summary>
    private static void Im2Col<T>(ReadOnlySpan<T> inputs, Span<T> patches, int batch, Geometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
        => WalkPatches(inputs, patches, batch, g, gather: true);

    /// <summary>The reverse of <see cref="Im2Col{T}"/>: each patch value is added to the input it was taken from.</summary>
    private static void Col2ImAdd<T>(ReadOnlySpan<T> patches, Span<T> inputs, int batch, Geometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
        => WalkPatches(patches, inputs, batch, g, gather: false);

    /// <summary>
    /// Every (position, tap) pair of the convolution once. Gathering, <paramref name="source"/> is the
    /// inputs and the input value (0 in the padding) is written into the patch entry; scattering,
    /// <paramref name="source"/> is the patches and the entry is added into the input it came from.
    /// </summary>
    private static void WalkPatches<T>(ReadOnlySpan<T> source, Span<T> destination, int batch, Geometry g, bool gather)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int k = g.Kernel, plane = g.Height * g.Width, patch = 0;
        for (int s = 0; s < batch; s++)
        {
            int sample = s * g.InputSize;
            for (int i = 0; i < g.OutHeight; i++)
            {
                for (int j = 0; j < g.OutWidth; j++)
                {
                    int top = i * g.Stride - g.Padding, left = j * g.Stride - g.Padding;
                    for (int c = 0; c < g.InChannels; c++)
                    {
                        for (int u = 0; u < k; u++)
                        {
                            int y = top + u;
                            for (int v = 0; v < k; v++, patch++)
                            {
                                int x = left + v;
                                bool inside = (uint)y < (uint)g.Height && (uint)x < (uint)g.Width;
                                int input = sample + c * plane + y * g.Width + x;
                                if (gather)
                                {
                                    destination[patch] = inside ? source[input] : T.Zero;
                                }
                                else if (inside)
                                {
                                    destination[input] += source[patch];
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>A convolution's shapes: the input image, the kernel, and what they give.</summary>
    private readonly record struct Geometry(int InChannels, int Height, int Width, int Kernel, int Stride, int Padding, int OutChannels, int OutHeight, int OutWidth)
    {
        public int InputSize => InChannels * Height * Width;

        public int Positions => OutHeight * OutWidth;

        public int PatchSize => InChannels * Kernel * Kernel;

        public static Geometry Of(int inChannels, int height, int width, int kernel, int stride, int padding, int weightsLength, int batch)
        {
            if (inChannels < 1 || height < 1 || width < 1 || kernel < 1 || stride < 1 || padding < 0 || batch < 1
                || kernel > height + 2 * padding || kernel > width + 2 * padding)
            {
                throw new ArgumentException($"A {kernel}×{kernel} kernel with stride {stride} and padding {padding} does not fit a {inChannels}×{height}×{width} image (batch {batch}).");
            }

            int patch = inChannels * kernel * kernel;
            if (weightsLength % patch != 0 || weightsLength == 0)
            {
                throw new ArgumentException($"The weights hold {weightsLength} values, not a whole number of {inChannels}·{kernel}·{kernel} = {patch}-value filters.");
            }

            return new Geometry(inChannels, height, width, kernel, stride, padding, weightsLength / patch,
                (height + 2 * padding - kernel) / stride + 1, (width + 2 * padding - kernel) / stride + 1);
        }
    }
}
