using System;
using System.ComponentModel;
using static SkipNet.CompilerServices.Real;

namespace SkipNet.CompilerServices;

/// <summary>
/// The kernels of LayerNorm, BatchNorm and Dropout, on netstandard2.1: the .NET 8 build's formulas
/// (docs/conventions.md), computed in double and rounded once per stored element.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class LayerKernels
{
    /// <summary>Per sample: x̂ = (h − mean)·r, r = 1/√(var + ε) (biased variance), z = γ⊙x̂ + β.</summary>
    /// <exception cref="ArgumentException">The lengths do not fit together.</exception>
    public static void LayerNormForward<T>(
        ReadOnlySpan<T> gamma, ReadOnlySpan<T> beta, ReadOnlySpan<T> inputs, Span<T> normalized, Span<T> inverseDeviation, Span<T> results, int batch, T epsilon)
        where T : unmanaged
    {
        var (n, width) = SpanCheck.Batch(inputs.Length, results.Length, batch);
        SpanCheck.Same(n, width);
        SpanCheck.Same(n, gamma.Length);
        SpanCheck.Same(n, beta.Length);
        SpanCheck.Same(inputs.Length, normalized.Length);
        SpanCheck.Same(batch, inverseDeviation.Length);
        for (int s = 0; s < batch; s++)
        {
            var h = inputs.Slice(s * n, n);
            double sum = 0;
            for (int i = 0; i < n; i++)
            {
                sum += ToDouble(h[i]);
            }

            double mean = sum / n, squares = 0;
            for (int i = 0; i < n; i++)
            {
                double d = ToDouble(h[i]) - mean;
                squares += d * d;
            }

            double r = 1 / Math.Sqrt(squares / n + ToDouble(epsilon));
            inverseDeviation[s] = From<T>(r);
            for (int i = 0; i < n; i++)
            {
                double v = (ToDouble(h[i]) - mean) * r;
                normalized[s * n + i] = From<T>(v);
                results[s * n + i] = From<T>(ToDouble(gamma[i]) * v + ToDouble(beta[i]));
            }
        }
    }

    /// <summary>LayerNorm's backward pass: inputDeltas += dL/dh (when not empty), then γ's gradient stored as <paramref name="write"/> says and, if it steps, γ −= rate·gradient.</summary>
    /// <exception cref="ArgumentException">The lengths do not fit together.</exception>
    public static void LayerNormBackward<T>(
        Span<T> gamma, ReadOnlySpan<T> deltas, ReadOnlySpan<T> normalized, ReadOnlySpan<T> inverseDeviation, Span<T> inputDeltas, Span<T> gammaGradient, int batch, GradientWrite<T> write)
        where T : unmanaged
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
            double sum = write.Overwrite ? 0 : ToDouble(gammaGradient[i]);
            for (int s = 0; s < batch; s++)
            {
                sum += ToDouble(deltas[s * n + i]) * ToDouble(normalized[s * n + i]);
            }

            Store(gamma, gammaGradient, i, sum, write);
        }
    }

    /// <summary>LayerNorm's input gradient: inputDeltas += r·(g − mean(g) − x̂·mean(g⊙x̂)), g = dL/dz⊙γ.</summary>
    /// <exception cref="ArgumentException">The lengths do not fit together.</exception>
    public static void LayerNormInputBackward<T>(
        ReadOnlySpan<T> gamma, ReadOnlySpan<T> deltas, ReadOnlySpan<T> normalized, ReadOnlySpan<T> inverseDeviation, Span<T> inputDeltas, int batch)
        where T : unmanaged
    {
        int n = gamma.Length;
        SpanCheck.Same(batch * n, deltas.Length);
        SpanCheck.Same(deltas.Length, normalized.Length);
        SpanCheck.Same(batch, inverseDeviation.Length);
        SpanCheck.Same(deltas.Length, inputDeltas.Length);
        for (int s = 0; s < batch; s++)
        {
            int start = s * n;
            double sumG = 0, sumGx = 0;
            for (int i = 0; i < n; i++)
            {
                double g = ToDouble(deltas[start + i]) * ToDouble(gamma[i]);
                sumG += g;
                sumGx += g * ToDouble(normalized[start + i]);
            }

            double meanG = sumG / n, meanGx = sumGx / n, r = ToDouble(inverseDeviation[s]);
            for (int i = 0; i < n; i++)
            {
                double g = ToDouble(deltas[start + i]) * ToDouble(gamma[i]);
                inputDeltas[start + i] = From<T>(ToDouble(inputDeltas[start + i]) + r * (g - meanG - ToDouble(normalized[start + i]) * meanGx));
            }
        }
    }

    /// <summary>Inverted dropout: each element kept with probability 1 − p and scaled by 1/(1 − p), the mask recorded.</summary>
    /// <exception cref="ArgumentException">The lengths do not fit together.</exception>
    public static void DropoutForward<T>(ReadOnlySpan<T> inputs, Span<T> mask, Span<T> results, double p, ref SplitMix64 random)
        where T : unmanaged
    {
        SpanCheck.Same(inputs.Length, results.Length);
        SpanCheck.Same(inputs.Length, mask.Length);
        if (p == 0)
        {
            mask.Fill(From<T>(1));
            inputs.CopyTo(results);
            return;
        }

        // The scale in the network's type, as the .NET 8 build rounds it.
        T scale = From<T>(1 / (1 - ToDouble(From<T>(p))));
        for (int i = 0; i < inputs.Length; i++)
        {
            T m = random.NextDouble() < p ? default : scale;
            mask[i] = m;
            results[i] = From<T>(ToDouble(inputs[i]) * ToDouble(m));
        }
    }

    /// <summary>inputDeltas += mask⊙deltas.</summary>
    /// <exception cref="ArgumentException">The lengths do not fit together.</exception>
    public static void DropoutBackward<T>(ReadOnlySpan<T> mask, ReadOnlySpan<T> deltas, Span<T> inputDeltas)
        where T : unmanaged
    {
        SpanCheck.Same(deltas.Length, mask.Length);
        SpanCheck.Same(deltas.Length, inputDeltas.Length);
        for (int i = 0; i < deltas.Length; i++)
        {
            inputDeltas[i] = From<T>(ToDouble(inputDeltas[i]) + ToDouble(mask[i]) * ToDouble(deltas[i]));
        }
    }

    /// <summary>BatchNorm in training: per channel over the batch and the spatial positions, biased variance for x̂, unbiased for the running variance.</summary>
    /// <exception cref="ArgumentException">The lengths do not fit together, or there is only one value per channel.</exception>
    public static void BatchNormTrainForward<T>(
        ReadOnlySpan<T> gamma, ReadOnlySpan<T> beta, ReadOnlySpan<T> inputs, Span<T> normalized, Span<T> inverseDeviation, Span<T> results,
        Span<T> runningMean, Span<T> runningVariance, int batch, int spatial, T epsilon, T momentum)
        where T : unmanaged
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
        double mom = ToDouble(momentum);
        for (int c = 0; c < channels; c++)
        {
            double sum = 0, squares = 0;
            for (int s = 0; s < batch; s++)
            {
                for (int k = 0; k < spatial; k++)
                {
                    sum += ToDouble(inputs[s * stride + c * spatial + k]);
                }
            }

            double mean = sum / n;
            for (int s = 0; s < batch; s++)
            {
                for (int k = 0; k < spatial; k++)
                {
                    double d = ToDouble(inputs[s * stride + c * spatial + k]) - mean;
                    squares += d * d;
                }
            }

            double variance = squares / n, r = 1 / Math.Sqrt(variance + ToDouble(epsilon));
            inverseDeviation[c] = From<T>(r);
            double g = ToDouble(gamma[c]), b = ToDouble(beta[c]);
            for (int s = 0; s < batch; s++)
            {
                for (int k = 0; k < spatial; k++)
                {
                    int at = s * stride + c * spatial + k;
                    double v = (ToDouble(inputs[at]) - mean) * r;
                    normalized[at] = From<T>(v);
                    results[at] = From<T>(g * v + b);
                }
            }

            runningMean[c] = From<T>((1 - mom) * ToDouble(runningMean[c]) + mom * mean);
            runningVariance[c] = From<T>((1 - mom) * ToDouble(runningVariance[c]) + mom * (variance * n / (n - 1)));
        }
    }

    /// <summary>BatchNorm in evaluation: z = γ·(h − running mean)/√(running variance + ε) + β.</summary>
    /// <exception cref="ArgumentException">The lengths do not fit together.</exception>
    public static void BatchNormEvalForward<T>(
        ReadOnlySpan<T> gamma, ReadOnlySpan<T> beta, ReadOnlySpan<T> runningMean, ReadOnlySpan<T> runningVariance, ReadOnlySpan<T> inputs, Span<T> results,
        int batch, int spatial, T epsilon)
        where T : unmanaged
    {
        int channels = gamma.Length;
        CheckBatchNorm(channels, beta.Length, inputs.Length, results.Length, batch, spatial);
        SpanCheck.Same(channels, runningMean.Length);
        SpanCheck.Same(channels, runningVariance.Length);
        int stride = channels * spatial;
        for (int c = 0; c < channels; c++)
        {
            double r = 1 / Math.Sqrt(ToDouble(runningVariance[c]) + ToDouble(epsilon)), mu = ToDouble(runningMean[c]);
            double g = ToDouble(gamma[c]), b = ToDouble(beta[c]);
            for (int s = 0; s < batch; s++)
            {
                for (int k = 0; k < spatial; k++)
                {
                    int at = s * stride + c * spatial + k;
                    results[at] = From<T>(g * ((ToDouble(inputs[at]) - mu) * r) + b);
                }
            }
        }
    }

    /// <summary>BatchNorm's input gradient in evaluation: inputDeltas += γ/√(running variance + ε)·deltas.</summary>
    /// <exception cref="ArgumentException">The lengths do not fit together.</exception>
    public static void BatchNormEvalBackward<T>(
        ReadOnlySpan<T> gamma, ReadOnlySpan<T> runningVariance, ReadOnlySpan<T> deltas, Span<T> inputDeltas, int batch, int spatial, T epsilon)
        where T : unmanaged
    {
        int channels = gamma.Length;
        CheckBatchNorm(channels, runningVariance.Length, deltas.Length, inputDeltas.Length, batch, spatial);
        int stride = channels * spatial;
        for (int c = 0; c < channels; c++)
        {
            double factor = ToDouble(gamma[c]) / Math.Sqrt(ToDouble(runningVariance[c]) + ToDouble(epsilon));
            for (int s = 0; s < batch; s++)
            {
                for (int k = 0; k < spatial; k++)
                {
                    int at = s * stride + c * spatial + k;
                    inputDeltas[at] = From<T>(ToDouble(inputDeltas[at]) + factor * ToDouble(deltas[at]));
                }
            }
        }
    }

    /// <summary>BatchNorm's backward pass in training: inputDeltas += (r/n)·(n·g − Σg − x̂·Σg⊙x̂), g = γ·dL/dz (when not empty), then γ's gradient Σ dL/dz⊙x̂.</summary>
    /// <exception cref="ArgumentException">The lengths do not fit together.</exception>
    public static void BatchNormBackward<T>(
        Span<T> gamma, ReadOnlySpan<T> deltas, ReadOnlySpan<T> normalized, ReadOnlySpan<T> inverseDeviation, Span<T> inputDeltas, Span<T> gammaGradient,
        int batch, int spatial, GradientWrite<T> write)
        where T : unmanaged
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
        double n = (double)batch * spatial;
        for (int c = 0; c < channels; c++)
        {
            double sumDelta = 0, sumDeltaX = 0;
            for (int s = 0; s < batch; s++)
            {
                for (int k = 0; k < spatial; k++)
                {
                    int at = s * stride + c * spatial + k;
                    sumDelta += ToDouble(deltas[at]);
                    sumDeltaX += ToDouble(deltas[at]) * ToDouble(normalized[at]);
                }
            }

            if (!inputDeltas.IsEmpty)
            {
                double g = ToDouble(gamma[c]), scale = ToDouble(inverseDeviation[c]) / n;
                for (int s = 0; s < batch; s++)
                {
                    for (int k = 0; k < spatial; k++)
                    {
                        int at = s * stride + c * spatial + k;
                        double dx = scale * (n * g * ToDouble(deltas[at]) - g * sumDelta - ToDouble(normalized[at]) * g * sumDeltaX);
                        inputDeltas[at] = From<T>(ToDouble(inputDeltas[at]) + dx);
                    }
                }
            }

            Store(gamma, gammaGradient, c, (write.Overwrite ? 0 : ToDouble(gammaGradient[c])) + sumDeltaX, write);
        }
    }

    // gradient[i] = sum and, if the write steps, parameters[i] −= rate·gradient[i].
    private static void Store<T>(Span<T> parameters, Span<T> gradient, int i, double sum, GradientWrite<T> write)
        where T : unmanaged
    {
        gradient[i] = From<T>(sum);
        if (write.Step)
        {
            parameters[i] = From<T>(ToDouble(parameters[i]) - ToDouble(write.LearningRate) * ToDouble(gradient[i]));
        }
    }

    private static void CheckBatchNorm(int channels, int betaLength, int inputsLength, int resultsLength, int batch, int spatial)
    {
        SpanCheck.Same(channels, betaLength);
        SpanCheck.Same((long)batch * channels * spatial, inputsLength);
        SpanCheck.Same(inputsLength, resultsLength);
    }
}
