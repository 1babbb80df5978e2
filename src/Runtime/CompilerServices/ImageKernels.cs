using System;
using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SkipNet.CompilerServices;

/// <summary>
/// The kernels of image layers, for looped networks: samples are C·H·W values each in NCHW order
/// (channel, then row, then column), a batch one sample after another. PyTorch's formulas
/// (docs/conventions.md, "Layers beyond Dense"). A convolution is a matrix product on patches
/// (im2col): each output position's receptive field, C_in·k·k values in (c, u, v) order, is a row,
/// so the product and its gradients are <see cref="Kernels"/>' dense ones, split over threads alike.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static partial class ImageKernels
{
    /// <summary>
    /// results (=, or += when <paramref name="accumulate"/>) the convolution of each sample with W
    /// (C_out × C_in·k·k, weight.view(out, −1)) plus the bias (one per output channel; none when empty),
    /// zeros padding <paramref name="padding"/> on every side, stride <paramref name="stride"/>. Sample by
    /// sample, the input's patches become the columns of a C_in·k·k × H'·W' matrix (im2col, in scratch
    /// each thread keeps) and the sample's C_out × H'·W' result, NCHW, is W times it. A large batch is
    /// split over threads by samples; each sample's numbers are the same on any number of threads.
    /// </summary>
    /// <exception cref="ArgumentException">The lengths do not fit together; nothing is written.</exception>
    public static void Conv2DForward<T>(
        ReadOnlySpan<T> weights, ReadOnlySpan<T> bias, ReadOnlySpan<T> inputs, Span<T> results,
        int batch, int inChannels, int height, int width, int kernel, int stride, int padding, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = Geometry.Of(inChannels, height, width, kernel, stride, padding, weights.Length, batch);
        SpanCheck.Same((long)batch * g.InputSize, inputs.Length);
        SpanCheck.Same((long)batch * g.OutChannels * g.Positions, results.Length);
        if (!bias.IsEmpty)
        {
            SpanCheck.Same(g.OutChannels, bias.Length);
        }

        ConvolutionWork<T>.Forward(weights, bias, inputs, results, batch, g, accumulate, default, default, default, default, T.Zero, default, rectify: false);
    }

    /// <summary>
    /// Forward and Evaluate's convolution followed by eval-mode BatchNorm, in one pass over the results:
    /// results = act(γ⊙((conv − μ)·r) + β + addend), r = 1/√(σ² + ε) per output channel from the running
    /// statistics, conv as <see cref="Conv2DForward{T}"/> writes it (=, with the bias), the addend (the
    /// results' shape) added unless it is empty, act ReLU when <paramref name="rectify"/> and the identity
    /// otherwise. Each value is computed exactly as Conv2DForward, <see cref="LayerKernels.BatchNormEvalForward{T}"/>,
    /// <see cref="Kernels.Add{T}"/> and <see cref="Activations.ReLU{T}"/> compute it in turn: the same
    /// bits, without the passes between them.
    /// </summary>
    /// <exception cref="ArgumentException">The lengths do not fit together, or the addend overlaps the results; nothing is written.</exception>
    public static void Conv2DBatchNormForward<T>(
        ReadOnlySpan<T> weights, ReadOnlySpan<T> bias, ReadOnlySpan<T> gamma, ReadOnlySpan<T> beta, ReadOnlySpan<T> runningMean, ReadOnlySpan<T> runningVariance, T epsilon,
        ReadOnlySpan<T> inputs, ReadOnlySpan<T> addend, Span<T> results,
        int batch, int inChannels, int height, int width, int kernel, int stride, int padding, bool rectify)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = Geometry.Of(inChannels, height, width, kernel, stride, padding, weights.Length, batch);
        SpanCheck.Same((long)batch * g.InputSize, inputs.Length);
        SpanCheck.Same((long)batch * g.OutChannels * g.Positions, results.Length);
        if (!bias.IsEmpty)
        {
            SpanCheck.Same(g.OutChannels, bias.Length);
        }

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

        ConvolutionWork<T>.Forward(weights, bias, inputs, results, batch, g, accumulate: false, gamma, beta, runningMean, runningVariance, epsilon, addend, rectify);
    }

    /// <summary>
    /// The backward pass of <see cref="Conv2DForward{T}"/> for dL/dz in <paramref name="deltas"/>: unless
    /// <paramref name="inputDeltas"/> is empty, inputDeltas += the transposed convolution of the deltas
    /// with W (Wᵀ times each sample's deltas, scattered back to the pixels, col2im); then dL/dW (+)=
    /// Σ_s deltas_s·columns_sᵀ, stored as <paramref name="write"/> says, and, if it steps, W −=
    /// rate·dL/dW (after W's last read). The bias's gradient is <see cref="ChannelBiasGradient{T}"/>'s.
    /// dL/dW is summed over the first and the second half of the batch apart, then added, on one thread
    /// as on two: the same numbers for any number of threads.
    /// </summary>
    /// <exception cref="ArgumentException">The lengths do not fit together; nothing is written.</exception>
    public static void Conv2DBackward<T>(
        Span<T> weights, ReadOnlySpan<T> deltas, ReadOnlySpan<T> inputs, Span<T> inputDeltas, Span<T> gradient,
        int batch, int inChannels, int height, int width, int kernel, int stride, int padding, GradientWrite<T> write)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = Geometry.Of(inChannels, height, width, kernel, stride, padding, weights.Length, batch);
        SpanCheck.Same((long)batch * g.InputSize, inputs.Length);
        SpanCheck.Same((long)batch * g.OutChannels * g.Positions, deltas.Length);
        SpanCheck.Same(weights.Length, gradient.Length);
        if (!inputDeltas.IsEmpty)
        {
            SpanCheck.Same(inputs.Length, inputDeltas.Length);
        }

        var halves = ConvolutionWork<T>.Backward(weights, deltas, inputs, inputDeltas, batch, g, weightGradient: true);
        int n = weights.Length;
        for (int i = 0; i < n; i++)
        {
            T sum = halves[i] + halves[n + i];
            T value = write.Overwrite ? sum : gradient[i] + sum;
            gradient[i] = value;
            if (write.Step)
            {
                weights[i] += -write.LearningRate * value;
            }
        }
    }

    /// <summary>
    /// The input's part of <see cref="Conv2DBackward{T}"/>, for a gradient with respect to the input:
    /// inputDeltas += the transposed convolution of <paramref name="deltas"/> (dL/dz) with W, the same
    /// numbers Conv2DBackward adds; W is read only and no gradient of it is taken.
    /// </summary>
    /// <exception cref="ArgumentException">The lengths do not fit together; nothing is written.</exception>
    public static void Conv2DInputBackward<T>(
        ReadOnlySpan<T> weights, ReadOnlySpan<T> deltas, Span<T> inputDeltas,
        int batch, int inChannels, int height, int width, int kernel, int stride, int padding)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = Geometry.Of(inChannels, height, width, kernel, stride, padding, weights.Length, batch);
        SpanCheck.Same((long)batch * g.InputSize, inputDeltas.Length);
        SpanCheck.Same((long)batch * g.OutChannels * g.Positions, deltas.Length);
        ConvolutionWork<T>.Backward(weights, deltas, default, inputDeltas, batch, g, weightGradient: false);
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
                sum += SpanMath.Sum(deltas.Slice(s * stride + c * spatial, spatial));
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
    public static unsafe void MaxPool2DForward<T>(ReadOnlySpan<T> inputs, Span<T> results, int batch, int channels, int height, int width, int kernel, int stride)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (outHeight, outWidth) = Pooled(inputs.Length, results.Length, batch, channels, height, width, kernel, stride);
        fixed (T* x = inputs, z = results)
        {
            MaxPoolWork<T>.Run(x, z, null, batch * channels, new(height, width, outHeight, outWidth, kernel, stride));
        }
    }

    /// <summary>
    /// The backward pass of <see cref="MaxPool2DForward{T}"/>: each window's dL/dz is added to the
    /// input at its first maximum in row-major order (PyTorch's choice), found again from
    /// <paramref name="inputs"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The lengths do not fit together; nothing is written.</exception>
    public static unsafe void MaxPool2DBackward<T>(ReadOnlySpan<T> inputs, ReadOnlySpan<T> deltas, Span<T> inputDeltas, int batch, int channels, int height, int width, int kernel, int stride)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (outHeight, outWidth) = Pooled(inputs.Length, deltas.Length, batch, channels, height, width, kernel, stride);
        SpanCheck.Same(inputs.Length, inputDeltas.Length);
        fixed (T* x = inputs, d = deltas, dx = inputDeltas)
        {
            MaxPoolWork<T>.Run(x, d, dx, batch * channels, new(height, width, outHeight, outWidth, kernel, stride));
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

    /// <summary>
    /// The index (in the plane) of the first maximum of the k × k window at (row, col), in row-major
    /// order; a NaN is a maximum. A value replaces the best so far when it is not ≤ it (it is larger,
    /// or it is a NaN) and the best so far is not a NaN itself.
    /// </summary>
    private static unsafe int FirstMaximum<T>(T* plane, int width, int row, int col, int kernel)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int best = row * width + col;
        T most = plane[best];
        for (int u = 0; u < kernel; u++)
        {
            T* line = plane + (row + u) * width + col;
            for (int v = 0; v < kernel; v++)
            {
                if (!(line[v] <= most) && !T.IsNaN(most))
                {
                    most = line[v];
                    best = (row + u) * width + col + v;
                }
            }
        }

        return best;
    }

    /// <summary>
    /// The value at <see cref="FirstMaximum{T}"/>'s position, by the same rule without a branch: each
    /// comparison selects in a vector register, so a window costs no mispredicted jumps.
    /// </summary>
    private static unsafe T WindowMaximum<T>(T* plane, int width, int row, int col, int kernel)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T* line = plane + row * width + col;
        var most = Vector128.CreateScalarUnsafe(line[0]);
        if (kernel == 2)
        {
            // The common 2×2 window, written out.
            most = Larger(most, line[1]);
            most = Larger(most, line[width]);
            return Larger(most, line[width + 1]).ToScalar();
        }

        for (int u = 0; u < kernel; u++, line += width)
        {
            for (int v = 0; v < kernel; v++)
            {
                most = Larger(most, line[v]);
            }
        }

        return most.ToScalar();
    }

    /// <summary>
    /// PyTorch's max-pooling rule, lane by lane: the next value if !(next ≤ most) and most is not a NaN
    /// (most == most), else most. One scalar in lane 0, or a vector of windows.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<T> Larger<T>(Vector128<T> most, T next)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Larger(most, Vector128.CreateScalarUnsafe(next));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<T> Larger<T>(Vector128<T> most, Vector128<T> next)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Vector128.ConditionalSelect(Vector128.AndNot(Vector128.Equals(most, most), Vector128.LessThanOrEqual(next, most)), next, most);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> Larger<T>(Vector256<T> most, Vector256<T> next)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Vector256.ConditionalSelect(Vector256.AndNot(Vector256.Equals(most, most), Vector256.LessThanOrEqual(next, most)), next, most);

    /// <summary>
    /// 2×2 windows with stride 2, a vector of outputs at a time: the window's four values in PyTorch's
    /// order are the even and the odd lanes of two rows, taken by <see cref="WindowMaximum{T}"/>'s rule
    /// lane by lane (the same values). The last vector of a row overlaps the one before it.
    /// </summary>
    private static unsafe class PairedWindows<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private static bool Supported => typeof(T) == typeof(float) || typeof(T) == typeof(double);

        /// <summary>Whether a row of this many outputs fills a vector (of 256 or of 128 bits).</summary>
        public static bool Fit(int outWidth) =>
            Supported && ((Vector256.IsHardwareAccelerated && outWidth >= Vector256<T>.Count) || (Vector128.IsHardwareAccelerated && outWidth >= Vector128<T>.Count));

        public static void Row(T* top, T* pooled, int width, int outWidth)
        {
            if (Vector256.IsHardwareAccelerated && outWidth >= Vector256<T>.Count)
            {
                int v = Vector256<T>.Count;
                for (int j = 0; ; j += v)
                {
                    int at = Math.Min(j, outWidth - v);
                    T* a = top + 2 * at, b = a + width;
                    var (e0, o0) = Split(Vector256.Load(a), Vector256.Load(a + v));
                    var (e1, o1) = Split(Vector256.Load(b), Vector256.Load(b + v));
                    Larger(Larger(Larger(e0, o0), e1), o1).Store(pooled + at);
                    if (at + v >= outWidth)
                    {
                        return;
                    }
                }
            }

            int w = Vector128<T>.Count;
            for (int j = 0; ; j += w)
            {
                int at = Math.Min(j, outWidth - w);
                T* a = top + 2 * at, b = a + width;
                var (e0, o0) = Split(Vector128.Load(a), Vector128.Load(a + w));
                var (e1, o1) = Split(Vector128.Load(b), Vector128.Load(b + w));
                Larger(Larger(Larger(e0, o0), e1), o1).Store(pooled + at);
                if (at + w >= outWidth)
                {
                    return;
                }
            }
        }

        /// <summary>The even lanes of (lo, hi) and the odd ones.</summary>
        private static (Vector256<T> Even, Vector256<T> Odd) Split(Vector256<T> lo, Vector256<T> hi)
        {
            if (typeof(T) == typeof(float))
            {
                var order = Vector256.Create(0, 2, 4, 6, 1, 3, 5, 7);
                var l = Vector256.Shuffle(lo.AsSingle(), order);
                var h = Vector256.Shuffle(hi.AsSingle(), order);
                return (Vector256.Create(l.GetLower(), h.GetLower()).As<float, T>(), Vector256.Create(l.GetUpper(), h.GetUpper()).As<float, T>());
            }

            var pairs = Vector256.Create(0L, 2, 1, 3);
            var ld = Vector256.Shuffle(lo.AsDouble(), pairs);
            var hd = Vector256.Shuffle(hi.AsDouble(), pairs);
            return (Vector256.Create(ld.GetLower(), hd.GetLower()).As<double, T>(), Vector256.Create(ld.GetUpper(), hd.GetUpper()).As<double, T>());
        }

        private static (Vector128<T> Even, Vector128<T> Odd) Split(Vector128<T> lo, Vector128<T> hi)
        {
            if (typeof(T) == typeof(float))
            {
                var order = Vector128.Create(0, 2, 1, 3);
                var l = Vector128.Shuffle(lo.AsSingle(), order);
                var h = Vector128.Shuffle(hi.AsSingle(), order);
                return (Vector128.Create(l.GetLower(), h.GetLower()).As<float, T>(), Vector128.Create(l.GetUpper(), h.GetUpper()).As<float, T>());
            }

            var ld = lo.AsDouble();
            var hd = hi.AsDouble();
            return (Vector128.Create(ld.GetLower(), hd.GetLower()).As<double, T>(), Vector128.Create(ld.GetUpper(), hd.GetUpper()).As<double, T>());
        }

    }

    private readonly record struct PoolGeometry(int Height, int Width, int OutHeight, int OutWidth, int Kernel, int Stride);

    /// <summary>Max pooling's passes, split over threads by planes (a sample's channel): each plane is read and written by one thread only.</summary>
    private sealed unsafe class MaxPoolWork<T> : PartitionedWork
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        [ThreadStatic]
        private static MaxPoolWork<T>? t_work;

        private T* _inputs, _pooled, _inputDeltas;
        private int _planes;
        private PoolGeometry _g;

        /// <summary>
        /// The forward pass (<paramref name="inputDeltas"/> null: the maxima written into
        /// <paramref name="pooled"/>) or the backward pass (<paramref name="pooled"/> holds the deltas,
        /// added into <paramref name="inputDeltas"/>), on pinned data whose lengths were checked.
        /// </summary>
        public static void Run(T* inputs, T* pooled, T* inputDeltas, int planes, PoolGeometry g)
        {
            var work = t_work ??= new();
            work._inputs = inputs;
            work._pooled = pooled;
            work._inputDeltas = inputDeltas;
            (work._planes, work._g) = (planes, g);
            WorkerPool.Run(work, Parallelism.Parts((long)planes * g.Height * g.Width, planes));
        }

        public override void Run(int part, int parts)
        {
            var g = _g;
            int first = (int)((long)_planes * part / parts), last = (int)((long)_planes * (part + 1) / parts);
            for (int plane = first; plane < last; plane++)
            {
                T* input = _inputs + (long)plane * g.Height * g.Width;
                T* pooled = _pooled + (long)plane * g.OutHeight * g.OutWidth;
                T* inputDelta = _inputDeltas == null ? null : _inputDeltas + (long)plane * g.Height * g.Width;
                if (inputDelta == null && g.Kernel == 2 && g.Stride == 2 && PairedWindows<T>.Fit(g.OutWidth))
                {
                    for (int i = 0; i < g.OutHeight; i++)
                    {
                        PairedWindows<T>.Row(input + 2 * i * g.Width, pooled + i * g.OutWidth, g.Width, g.OutWidth);
                    }

                    continue;
                }

                for (int i = 0; i < g.OutHeight; i++)
                {
                    for (int j = 0; j < g.OutWidth; j++)
                    {
                        if (inputDelta == null)
                        {
                            pooled[i * g.OutWidth + j] = WindowMaximum(input, g.Width, i * g.Stride, j * g.Stride, g.Kernel);
                        }
                        else
                        {
                            inputDelta[FirstMaximum(input, g.Width, i * g.Stride, j * g.Stride, g.Kernel)] += pooled[i * g.OutWidth + j];
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// One sample's patches as the columns of a C_in·k·k × H'·W' matrix: row (c, u, v) holds, for each
    /// output position (i, j), the input value h[c, s·i + u − p, s·j + v − p] (0 in the padding).
    /// </summary>
    private static void Im2Col<T>(ReadOnlySpan<T> input, Span<T> columns, Geometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int k = g.Kernel, row = 0;
        for (int c = 0; c < g.InChannels; c++)
        {
            var plane = input.Slice(c * g.Height * g.Width, g.Height * g.Width);
            for (int u = 0; u < k; u++)
            {
                for (int v = 0; v < k; v++, row++)
                {
                    var destination = columns.Slice(row * g.Positions, g.Positions);
                    for (int i = 0; i < g.OutHeight; i++)
                    {
                        var line = destination.Slice(i * g.OutWidth, g.OutWidth);
                        int y = i * g.Stride + u - g.Padding;
                        if ((uint)y >= (uint)g.Height)
                        {
                            line.Clear();
                            continue;
                        }

                        var source = plane.Slice(y * g.Width, g.Width);
                        var (first, last) = g.Inside(v);
                        line[..first].Clear();
                        line[last..].Clear();
                        if (g.Stride == 1)
                        {
                            source.Slice(first + v - g.Padding, last - first).CopyTo(line[first..last]);
                        }
                        else
                        {
                            for (int j = first; j < last; j++)
                            {
                                line[j] = source[j * g.Stride + v - g.Padding];
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>The reverse of <see cref="Im2Col{T}"/>: each column entry is added to the input value it was taken from.</summary>
    private static void Col2ImAdd<T>(ReadOnlySpan<T> columns, Span<T> input, Geometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int k = g.Kernel, row = 0;
        for (int c = 0; c < g.InChannels; c++)
        {
            var plane = input.Slice(c * g.Height * g.Width, g.Height * g.Width);
            for (int u = 0; u < k; u++)
            {
                for (int v = 0; v < k; v++, row++)
                {
                    var source = columns.Slice(row * g.Positions, g.Positions);
                    for (int i = 0; i < g.OutHeight; i++)
                    {
                        int y = i * g.Stride + u - g.Padding;
                        if ((uint)y >= (uint)g.Height)
                        {
                            continue;
                        }

                        var line = source.Slice(i * g.OutWidth, g.OutWidth);
                        var destination = plane.Slice(y * g.Width, g.Width);
                        var (first, last) = g.Inside(v);
                        if (g.Stride == 1)
                        {
                            Kernels.Add<T>(line[first..last], destination.Slice(first + v - g.Padding, last - first));
                        }
                        else
                        {
                            for (int j = first; j < last; j++)
                            {
                                destination[j * g.Stride + v - g.Padding] += line[j];
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// A convolution over a batch, split by samples: the forward pass in contiguous runs of samples, the
    /// backward pass in the batch's two halves, each half's dL/dW in a buffer of its own. Each thread
    /// keeps its own columns (and their δ) between calls, so a step allocates nothing once every thread
    /// has met the largest layer.
    /// </summary>
    private sealed unsafe class ConvolutionWork<T> : PartitionedWork
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        [ThreadStatic]
        private static ConvolutionWork<T>? t_work;

        // This thread's scratch: im2col's columns and their δ, or, for a direct convolution, the
        // zero-bordered planes and the panels' padded results.
        [ThreadStatic]
        private static T[]? t_columns, t_columnDeltas;

        private T[]? _halves, _packed, _constants;
        private ChannelFinish<T> _finish;
        private int[]? _offsets;
        private T* _weights, _bias, _inputs, _outputs, _inputDeltas, _packedWeights;
        private int* _tapOffsets;
        private int _biasLength, _inputDeltasLength, _batch;
        private Geometry _g;
        private bool _backward, _accumulate, _weightGradient;

        private static ConvolutionWork<T> ForThisThread() => t_work ??= new();

        /// <summary>Parts worth running apart: about a million multiply-adds each, as the products are split.</summary>
        private static int Parts(int batch, Geometry g, int most)
        {
            long work = (long)batch * g.OutChannels * g.PatchSize * g.Positions;
            return Math.Min(most, Parallelism.Parts(work, batch));
        }

        /// <summary>The convolution, its values finished by eval-mode BatchNorm (when <paramref name="gamma"/> is not empty), the addend and ReLU.</summary>
        public static void Forward(
            ReadOnlySpan<T> weights, ReadOnlySpan<T> bias, ReadOnlySpan<T> inputs, Span<T> results, int batch, Geometry g, bool accumulate,
            ReadOnlySpan<T> gamma, ReadOnlySpan<T> beta, ReadOnlySpan<T> mean, ReadOnlySpan<T> variance, T epsilon, ReadOnlySpan<T> addend, bool rectify)
        {
            var work = ForThisThread();
            bool direct = DirectConvolution<T>.Applies(g);
            if (direct)
            {
                int packedLength = DirectConvolution<T>.PackedLength(g);
                DirectConvolution<T>.Pack(weights, bias, ScratchArrays.Grow(ref work._packed, packedLength).AsSpan(0, packedLength), ScratchArrays.Grow(ref work._offsets, g.PatchSize).AsSpan(0, g.PatchSize), g);
            }

            bool normalizes = !gamma.IsEmpty;
            if (normalizes)
            {
                ChannelFinish<T>.Constants(gamma, beta, mean, variance, epsilon, ScratchArrays.Grow(ref work._constants, 4 * g.OutChannels).AsSpan(0, 4 * g.OutChannels));
            }

            fixed (T* w = weights, b = bias, x = inputs, z = results, packed = work._packed, constants = work._constants, add = addend)
            fixed (int* offsets = work._offsets)
            {
                work._finish = normalizes ? new ChannelFinish<T>(constants, addend.IsEmpty ? null : add, rectify) : ChannelFinish<T>.Copy;
                work._packedWeights = direct ? packed : null;
                work._tapOffsets = direct ? offsets : null;
                work._weights = w;
                work._bias = b;
                work._inputs = x;
                work._outputs = z;
                (work._biasLength, work._batch, work._g, work._backward, work._accumulate) = (bias.Length, batch, g, false, accumulate);
                WorkerPool.Run(work, Parts(batch, g, batch));
            }
        }

        /// <summary>Runs the backward pass and returns dL/dW of the batch's first half, then of its second (empty without <paramref name="weightGradient"/>).</summary>
        public static ReadOnlySpan<T> Backward(ReadOnlySpan<T> weights, ReadOnlySpan<T> deltas, ReadOnlySpan<T> inputs, Span<T> inputDeltas, int batch, Geometry g, bool weightGradient)
        {
            var work = ForThisThread();
            work._weightGradient = weightGradient;
            if (weightGradient)
            {
                ScratchArrays.Grow(ref work._halves, 2 * weights.Length);
            }

            fixed (T* w = weights, d = deltas, x = inputs, dx = inputDeltas)
            {
                work._weights = w;
                work._outputs = d;
                work._inputs = x;
                work._inputDeltas = dx;
                (work._inputDeltasLength, work._batch, work._g, work._backward) = (inputDeltas.Length, batch, g, true);
                WorkerPool.Run(work, Parts(batch, g, 2));
            }

            return weightGradient ? work._halves.AsSpan(0, 2 * weights.Length) : default;
        }

        public override void Run(int part, int parts)
        {
            var g = _g;
            int outputSize = g.OutChannels * g.Positions, columns = g.PatchSize * g.Positions;
            int first = (int)((long)_batch * part / parts), last = (int)((long)_batch * (part + 1) / parts);
            if (!_backward && _packedWeights != null)
            {
                var padded = Scratch(ref t_columns, DirectConvolution<T>.PaddedLength(g));
                var work = Scratch(ref t_columnDeltas, DirectConvolution<T>.OutputLength(g));
                for (int s = first; s < last; s++)
                {
                    DirectConvolution<T>.Sample(_packedWeights, _tapOffsets, _biasLength != 0, _inputs + (long)s * g.InputSize, _outputs + (long)s * outputSize, _accumulate, g, padded, work, _finish, (long)s * outputSize);
                }

                return;
            }

            var scratch = Scratch(ref t_columns, columns);
            var weights = new ReadOnlySpan<T>(_weights, g.OutChannels * g.PatchSize);
            if (!_backward)
            {
                var bias = new ReadOnlySpan<T>(_bias, _biasLength);
                for (int s = first; s < last; s++)
                {
                    var input = new ReadOnlySpan<T>(_inputs + (long)s * g.InputSize, g.InputSize);
                    T* result = _outputs + (long)s * outputSize;
                    ForwardSample(weights, bias, input, new Span<T>(result, outputSize), scratch, g, _accumulate);
                    if (!_finish.Copies)
                    {
                        for (int o = 0; o < g.OutChannels; o++)
                        {
                            long offset = o * g.Positions;
                            _finish.Row(result + offset, result + offset, g.Positions, o, (long)s * outputSize + offset);
                        }
                    }
                }

                return;
            }

            // Halves 0 and 1 of the batch: on two parts one each, on one part both, in order.
            for (int half = parts == 2 ? part : 0; half < (parts == 2 ? part + 1 : 2); half++)
            {
                var gradient = _weightGradient ? _halves.AsSpan(half * weights.Length, weights.Length) : default;
                gradient.Clear();
                var spread = _inputDeltasLength == 0 ? default : Scratch(ref t_columnDeltas, columns);
                int from = _batch * half / 2, to = _batch * (half + 1) / 2;
                for (int s = from; s < to; s++)
                {
                    var delta = new ReadOnlySpan<T>(_outputs + (long)s * outputSize, outputSize);
                    if (_inputDeltasLength != 0)
                    {
                        // dcolumns (K × P) = Wᵀ · δ_s, scattered back onto the pixels they were gathered from.
                        spread.Clear();
                        Kernels.OuterAdd(weights, delta, spread, g.OutChannels);
                        Col2ImAdd(spread, new Span<T>(_inputDeltas + (long)s * g.InputSize, g.InputSize), g);
                    }

                    if (!_weightGradient)
                    {
                        continue;
                    }

                    // dW (C_out × K) += δ_s (C_out × P) · columns_sᵀ.
                    Im2Col(new ReadOnlySpan<T>(_inputs + (long)s * g.InputSize, g.InputSize), scratch, g);
                    Kernels.MultiplyAdd(scratch, delta, gradient, g.OutChannels);
                }
            }
        }

        private static void ForwardSample(ReadOnlySpan<T> weights, ReadOnlySpan<T> bias, ReadOnlySpan<T> input, Span<T> result, Span<T> columns, Geometry g, bool accumulate)
        {
            int positions = g.Positions;
            // Each channel starts at its bias (0 without one), or has it added to what is there.
            for (int o = 0; o < g.OutChannels && !(accumulate && bias.IsEmpty); o++)
            {
                var channel = result.Slice(o * positions, positions);
                T b = bias.IsEmpty ? T.Zero : bias[o];
                if (!accumulate)
                {
                    channel.Fill(b);
                    continue;
                }

                foreach (ref T value in channel)
                {
                    value += b;
                }
            }

            // z_s (C_out × P) += W (C_out × K) · columns (K × P).
            Im2Col(input, columns, g);
            Kernels.TransposeMultiplyAdd(columns, weights, result, g.OutChannels);
        }

        /// <summary>This thread's scratch of exactly <paramref name="length"/> values, grown when a larger layer needs more.</summary>
        private static Span<T> Scratch(ref T[]? buffer, int length) => ScratchArrays.Grow(ref buffer, length).AsSpan(0, length);
    }
}
