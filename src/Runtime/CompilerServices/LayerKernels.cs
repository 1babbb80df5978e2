using System;
using System.ComponentModel;
using System.Numerics;

namespace SkipNet.CompilerServices;

/// <summary>
/// The kernels of the layers other than Dense, for looped networks, over a batch of rows (one row
/// per sample, row-major), with PyTorch's formulas (docs/conventions.md, "Layers beyond Dense").
/// Like <see cref="Kernels"/>, a kernel that produces an input's gradient adds to it (+=), and a
/// parameter's gradient is stored as <see cref="GradientWrite{T}"/> says, in the call that reads
/// the parameter last.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class LayerKernels
{
    /// <summary>
    /// Layer normalization of each row s of <paramref name="inputs"/> (n values): μ and the biased
    /// variance σ², r = 1/√(σ² + ε), x̂ = (h − μ)·r, results[s] = γ⊙x̂ + β, written over. x̂ goes to
    /// <paramref name="normalized"/> and r to <paramref name="inverseDeviation"/> (one per row), for the backward pass.
    /// </summary>
    /// <exception cref="ArgumentException">The lengths do not fit together; nothing is written.</exception>
    public static void LayerNormForward<T>(
        ReadOnlySpan<T> gamma, ReadOnlySpan<T> beta, ReadOnlySpan<T> inputs, Span<T> normalized, Span<T> inverseDeviation, Span<T> results, int batch, T epsilon)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (n, width) = SpanCheck.Batch(inputs.Length, results.Length, batch);
        SpanCheck.Same(n, width);
        SpanCheck.Same(n, gamma.Length);
        SpanCheck.Same(n, beta.Length);
        SpanCheck.Same(inputs.Length, normalized.Length);
        SpanCheck.Same(batch, inverseDeviation.Length);
        T count = T.CreateTruncating(n);
        for (int s = 0; s < batch; s++)
        {
            var h = inputs.Slice(s * n, n);
            var xhat = normalized.Slice(s * n, n);
            var z = results.Slice(s * n, n);
            T sum = T.Zero;
            for (int i = 0; i < n; i++)
            {
                sum += h[i];
            }

            T mean = sum / count, squares = T.Zero;
            for (int i = 0; i < n; i++)
            {
                T d = h[i] - mean;
                squares += d * d;
            }

            T r = T.One / T.Sqrt(squares / count + epsilon);
            inverseDeviation[s] = r;
            for (int i = 0; i < n; i++)
            {
                T v = (h[i] - mean) * r;
                xhat[i] = v;
                z[i] = gamma[i] * v + beta[i];
            }
        }
    }

    /// <summary>
    /// The backward pass of <see cref="LayerNormForward{T}"/> for dL/dz in <paramref name="deltas"/>:
    /// unless <paramref name="inputDeltas"/> is empty, inputDeltas[s] += r·(g − mean(g) − x̂·mean(g⊙x̂))
    /// with g = dL/dz⊙γ; then dL/dγ (+)= Σ_s dL/dz⊙x̂, stored as <paramref name="write"/> says, and,
    /// if it steps, γ −= rate·dL/dγ (after γ's last read). β's gradient is
    /// <see cref="Kernels.BiasGradient{T}"/>'s.
    /// </summary>
    /// <exception cref="ArgumentException">The lengths do not fit together; nothing is written.</exception>
    public static void LayerNormBackward<T>(
        Span<T> gamma, ReadOnlySpan<T> deltas, ReadOnlySpan<T> normalized, ReadOnlySpan<T> inverseDeviation, Span<T> inputDeltas, Span<T> gammaGradient, int batch, GradientWrite<T> write)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = gamma.Length;
        SpanCheck.Same(batch * n, deltas.Length);
        SpanCheck.Same(deltas.Length, normalized.Length);
        SpanCheck.Same(batch, inverseDeviation.Length);
        SpanCheck.Same(n, gammaGradient.Length);
        if (!inputDeltas.IsEmpty)
        {
            LayerNormInputBackward(gamma, deltas, normalized, inverseDeviation, inputDeltas, batch);
        }

        for (int i = 0; i < n; i++)
        {
            T sum = write.Overwrite ? T.Zero : gammaGradient[i];
            for (int s = 0; s < batch; s++)
            {
                sum += deltas[s * n + i] * normalized[s * n + i];
            }

            gammaGradient[i] = sum;
            if (write.Step)
            {
                gamma[i] += -write.LearningRate * sum;
            }
        }
    }

    /// <summary>
    /// The input's part of <see cref="LayerNormBackward{T}"/>, for a gradient with respect to the input:
    /// inputDeltas[s] += r·(g − mean(g) − x̂·mean(g⊙x̂)) with g = dL/dz⊙γ, the same numbers
    /// LayerNormBackward adds; γ is read only and no gradient of it is taken.
    /// </summary>
    /// <exception cref="ArgumentException">The lengths do not fit together; nothing is written.</exception>
    public static void LayerNormInputBackward<T>(
        ReadOnlySpan<T> gamma, ReadOnlySpan<T> deltas, ReadOnlySpan<T> normalized, ReadOnlySpan<T> inverseDeviation, Span<T> inputDeltas, int batch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = gamma.Length;
        SpanCheck.Same(batch * n, deltas.Length);
        SpanCheck.Same(deltas.Length, normalized.Length);
        SpanCheck.Same(batch, inverseDeviation.Length);
        SpanCheck.Same(deltas.Length, inputDeltas.Length);
        T count = T.CreateTruncating(n);
        for (int s = 0; s < batch; s++)
        {
            var d = deltas.Slice(s * n, n);
            var xhat = normalized.Slice(s * n, n);
            var input = inputDeltas.Slice(s * n, n);
            T sumG = T.Zero, sumGx = T.Zero;
            for (int i = 0; i < n; i++)
            {
                T g = d[i] * gamma[i];
                sumG += g;
                sumGx += g * xhat[i];
            }

            T meanG = sumG / count, meanGx = sumGx / count, r = inverseDeviation[s];
            for (int i = 0; i < n; i++)
            {
                input[i] += r * (d[i] * gamma[i] - meanG - xhat[i] * meanGx);
            }
        }
    }

    /// <summary>
    /// Dropout in a training call: each mask entry is 0 with probability <paramref name="p"/> (a
    /// uniform draw u &lt; p from <paramref name="random"/>, one per value in order) and 1/(1 − p)
    /// otherwise; results = inputs⊙mask, written over. With p = 0 no draw is made and results = inputs.
    /// </summary>
    /// <exception cref="ArgumentException">The lengths do not fit together; nothing is written.</exception>
    public static void DropoutForward<T>(ReadOnlySpan<T> inputs, Span<T> mask, Span<T> results, double p, ref SplitMix64 random)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        SpanCheck.Same(inputs.Length, results.Length);
        SpanCheck.Same(inputs.Length, mask.Length);
        if (p == 0)
        {
            mask.Fill(T.One);
            inputs.CopyTo(results);
            return;
        }

        T scale = T.One / (T.One - T.CreateTruncating(p));
        for (int i = 0; i < inputs.Length; i++)
        {
            T m = random.NextDouble() < p ? T.Zero : scale;
            mask[i] = m;
            results[i] = inputs[i] * m;
        }
    }

    /// <summary>The backward pass of dropout: inputDeltas += mask⊙deltas.</summary>
    /// <exception cref="ArgumentException">The lengths do not fit together; nothing is written.</exception>
    public static void DropoutBackward<T>(ReadOnlySpan<T> mask, ReadOnlySpan<T> deltas, Span<T> inputDeltas)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        SpanCheck.Same(deltas.Length, mask.Length);
        SpanCheck.Same(deltas.Length, inputDeltas.Length);
        for (int i = 0; i < deltas.Length; i++)
        {
            inputDeltas[i] += mask[i] * deltas[i];
        }
    }

    /// <summary>
    /// Batch normalization in a training call, over <paramref name="batch"/> samples of
    /// γ.Length channels × <paramref name="spatial"/> values (NCHW; spatial 1 for vectors):
    /// per channel c, the mean μ and biased variance σ² of its batch·spatial values (summed in double),
    /// r = 1/√(σ² + ε), x̂ = (h − μ)·r, results = γ⊙x̂ + β, written over; x̂ goes to
    /// <paramref name="normalized"/> and r to <paramref name="inverseDeviation"/> (one per channel).
    /// Then running_mean ← (1 − m)·running_mean + m·μ and running_var ← (1 − m)·running_var +
    /// m·σ²·n/(n − 1), n = batch·spatial ≥ 2.
    /// </summary>
    /// <exception cref="ArgumentException">The lengths do not fit together, or n &lt; 2; nothing is written.</exception>
    public static void BatchNormTrainForward<T>(
        ReadOnlySpan<T> gamma, ReadOnlySpan<T> beta, ReadOnlySpan<T> inputs, Span<T> normalized, Span<T> inverseDeviation, Span<T> results,
        Span<T> runningMean, Span<T> runningVariance, int batch, int spatial, T epsilon, T momentum)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int channels = gamma.Length;
        CheckBatchNorm(channels, beta.Length, inputs.Length, results.Length, batch, spatial);
        SpanCheck.Same(inputs.Length, normalized.Length);
        SpanCheck.Same(channels, inverseDeviation.Length);
        SpanCheck.Same(channels, runningMean.Length);
        SpanCheck.Same(channels, runningVariance.Length);
        long n = (long)batch * spatial;
        if (n < 2)
        {
            throw new ArgumentException($"Batch normalization in a training call needs more than one value per channel; it has {n} (batch {batch} × {spatial}).", nameof(batch));
        }

        int stride = channels * spatial;
        for (int c = 0; c < channels; c++)
        {
            double sum = 0;
            for (int s = 0; s < batch; s++)
            {
                sum += SpanMath.SumInDouble(inputs.Slice(s * stride + c * spatial, spatial), 0, squares: false);
            }

            double mean = sum / n, squares = 0;
            for (int s = 0; s < batch; s++)
            {
                squares += SpanMath.SumInDouble(inputs.Slice(s * stride + c * spatial, spatial), mean, squares: true);
            }

            double variance = squares / n;
            T mu = T.CreateTruncating(mean);
            T r = T.One / T.Sqrt(T.CreateTruncating(variance) + epsilon);
            inverseDeviation[c] = r;
            for (int s = 0; s < batch; s++)
            {
                int start = s * stride + c * spatial;
                SpanMath.Normalize(inputs.Slice(start, spatial), normalized.Slice(start, spatial), results.Slice(start, spatial), mu, r, gamma[c], beta[c]);
            }

            runningMean[c] = (T.One - momentum) * runningMean[c] + momentum * mu;
            runningVariance[c] = (T.One - momentum) * runningVariance[c] + momentum * T.CreateTruncating(variance * n / (n - 1));
        }
    }

    /// <summary>Batch normalization in Forward and Evaluate: results = γ⊙(h − running_mean)/√(running_var + ε) + β per channel, written over.</summary>
    /// <exception cref="ArgumentException">The lengths do not fit together; nothing is written.</exception>
    public static void BatchNormEvalForward<T>(
        ReadOnlySpan<T> gamma, ReadOnlySpan<T> beta, ReadOnlySpan<T> runningMean, ReadOnlySpan<T> runningVariance, ReadOnlySpan<T> inputs, Span<T> results,
        int batch, int spatial, T epsilon)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int channels = gamma.Length;
        CheckBatchNorm(channels, beta.Length, inputs.Length, results.Length, batch, spatial);
        SpanCheck.Same(channels, runningMean.Length);
        SpanCheck.Same(channels, runningVariance.Length);
        int stride = channels * spatial;
        for (int c = 0; c < channels; c++)
        {
            T r = T.One / T.Sqrt(runningVariance[c] + epsilon), mu = runningMean[c];
            for (int s = 0; s < batch; s++)
            {
                int start = s * stride + c * spatial;
                SpanMath.Normalize(inputs.Slice(start, spatial), results.Slice(start, spatial), mu, r, gamma[c], beta[c]);
            }
        }
    }

    /// <summary>
    /// The backward pass of <see cref="BatchNormEvalForward{T}"/>, for a gradient with respect to the
    /// input: the running statistics are constants, so per channel inputDeltas += dL/dz·(γ·r), r =
    /// 1/√(running_var + ε). γ is read only and no gradient of it is taken.
    /// </summary>
    /// <exception cref="ArgumentException">The lengths do not fit together; nothing is written.</exception>
    public static void BatchNormEvalBackward<T>(
        ReadOnlySpan<T> gamma, ReadOnlySpan<T> runningVariance, ReadOnlySpan<T> deltas, Span<T> inputDeltas, int batch, int spatial, T epsilon)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int channels = gamma.Length;
        CheckBatchNorm(channels, runningVariance.Length, deltas.Length, inputDeltas.Length, batch, spatial);
        int stride = channels * spatial;
        for (int c = 0; c < channels; c++)
        {
            T factor = gamma[c] * (T.One / T.Sqrt(runningVariance[c] + epsilon));
            for (int s = 0; s < batch; s++)
            {
                int start = s * stride + c * spatial;
                Kernels.ScaleAdd(factor, deltas.Slice(start, spatial), inputDeltas.Slice(start, spatial));
            }
        }
    }

    /// <summary>
    /// The backward pass of <see cref="BatchNormTrainForward{T}"/> for dL/dz in <paramref name="deltas"/>:
    /// unless <paramref name="inputDeltas"/> is empty, per channel inputDeltas += (r/n)·(n·g − Σg −
    /// x̂·Σ(g⊙x̂)) with g = dL/dz·γ and the sums over the channel's n = batch·spatial values; then
    /// dL/dγ (+)= Σ dL/dz⊙x̂ per channel, stored as <paramref name="write"/> says, and, if it steps,
    /// γ −= rate·dL/dγ (after γ's last read). β's gradient is the sum of dL/dz per channel.
    /// </summary>
    /// <exception cref="ArgumentException">The lengths do not fit together; nothing is written.</exception>
    public static void BatchNormBackward<T>(
        Span<T> gamma, ReadOnlySpan<T> deltas, ReadOnlySpan<T> normalized, ReadOnlySpan<T> inverseDeviation, Span<T> inputDeltas, Span<T> gammaGradient,
        int batch, int spatial, GradientWrite<T> write)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int channels = gamma.Length;
        CheckBatchNorm(channels, channels, deltas.Length, normalized.Length, batch, spatial);
        SpanCheck.Same(channels, inverseDeviation.Length);
        SpanCheck.Same(channels, gammaGradient.Length);
        if (!inputDeltas.IsEmpty)
        {
            SpanCheck.Same(deltas.Length, inputDeltas.Length);
        }

        int stride = channels * spatial;
        T n = T.CreateTruncating((long)batch * spatial);
        for (int c = 0; c < channels; c++)
        {
            T sumDelta = T.Zero, sumDeltaX = T.Zero;
            for (int s = 0; s < batch; s++)
            {
                int start = s * stride + c * spatial;
                var (sum, dot) = SpanMath.SumAndDot(deltas.Slice(start, spatial), normalized.Slice(start, spatial));
                sumDelta += sum;
                sumDeltaX += dot;
            }

            if (!inputDeltas.IsEmpty)
            {
                // g = dL/dz·γ: Σg = γ·Σ dL/dz and Σ g⊙x̂ = γ·Σ dL/dz⊙x̂.
                T scale = inverseDeviation[c] / n, g = gamma[c];
                T sumG = g * sumDelta, sumGx = g * sumDeltaX;
                for (int s = 0; s < batch; s++)
                {
                    int start = s * stride + c * spatial;
                    SpanMath.NormalizationBackward(deltas.Slice(start, spatial), normalized.Slice(start, spatial), inputDeltas.Slice(start, spatial), scale, n * g, sumG, sumGx);
                }
            }

            T gradient = (write.Overwrite ? T.Zero : gammaGradient[c]) + sumDeltaX;
            gammaGradient[c] = gradient;
            if (write.Step)
            {
                gamma[c] += -write.LearningRate * gradient;
            }
        }
    }

    private static void CheckBatchNorm(int channels, int betaLength, int inputsLength, int resultsLength, int batch, int spatial)
    {
        SpanCheck.Same(channels, betaLength);
        SpanCheck.Same((long)batch * channels * spatial, inputsLength);
        SpanCheck.Same(inputsLength, resultsLength);
    }
}
