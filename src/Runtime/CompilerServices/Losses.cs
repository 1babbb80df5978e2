using System;
using System.ComponentModel;
using System.Numerics;

namespace SkipNet.CompilerServices;

/// <summary>
/// Losses over rows of outputs, for looped networks. Each returns the sum of the per-element
/// losses (per-sample for <see cref="CrossEntropy{T}(ReadOnlySpan{T}, ReadOnlySpan{T}, int)"/>); the
/// caller divides by N (batch size × output width), or by the batch size for cross-entropy, per
/// <see href="https://github.com/skipnet/skipnet/blob/main/docs/conventions.md">docs/conventions.md</see>.
/// The gradient overloads write dL/dŷ = (the derivative of the sum)·<c>scale</c>, where <c>scale</c>
/// is 1 over that divisor.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Losses
{
    /// <summary>Σ |y − ŷ|.</summary>
    public static T L1<T>(ReadOnlySpan<T> prediction, ReadOnlySpan<T> target) where T : unmanaged, IFloatingPointIeee754<T>
    {
        SpanCheck.Same(prediction.Length, target.Length);
        T sum = T.Zero;
        for (int i = 0; i < prediction.Length; i++)
        {
            sum += T.Abs(target[i] - prediction[i]);
        }

        return sum;
    }

    /// <summary>Σ |y − ŷ|, and gradient = sign(ŷ − y)·scale, with sign(0) = 0.</summary>
    public static T L1<T>(ReadOnlySpan<T> prediction, ReadOnlySpan<T> target, T scale, Span<T> gradient) where T : unmanaged, IFloatingPointIeee754<T>
    {
        SpanCheck.Same(prediction.Length, target.Length);
        SpanCheck.Same(prediction.Length, gradient.Length);
        T sum = T.Zero;
        for (int i = 0; i < prediction.Length; i++)
        {
            T d = prediction[i] - target[i];
            sum += T.Abs(d);
            gradient[i] = d > T.Zero ? scale : d < T.Zero ? -scale : T.Zero;
        }

        return sum;
    }

    /// <summary>Σ (y − ŷ)².</summary>
    public static T MSE<T>(ReadOnlySpan<T> prediction, ReadOnlySpan<T> target) where T : unmanaged, IFloatingPointIeee754<T>
    {
        SpanCheck.Same(prediction.Length, target.Length);
        T sum = T.Zero;
        for (int i = 0; i < prediction.Length; i++)
        {
            T d = prediction[i] - target[i];
            sum += d * d;
        }

        return sum;
    }

    /// <summary>Σ (y − ŷ)², and gradient = 2(ŷ − y)·scale.</summary>
    public static T MSE<T>(ReadOnlySpan<T> prediction, ReadOnlySpan<T> target, T scale, Span<T> gradient) where T : unmanaged, IFloatingPointIeee754<T>
    {
        SpanCheck.Same(prediction.Length, target.Length);
        SpanCheck.Same(prediction.Length, gradient.Length);
        T sum = T.Zero;
        T two = T.One + T.One;
        for (int i = 0; i < prediction.Length; i++)
        {
            T d = prediction[i] - target[i];
            sum += d * d;
            gradient[i] = two * d * scale;
        }

        return sum;
    }

    /// <summary>Σ h(ŷ − y), h(d) = ½d² where |d| &lt; δ, else δ(|d| − ½δ).</summary>
    /// <exception cref="ArgumentOutOfRangeException">δ is not a finite number &gt; 0.</exception>
    public static T Huber<T>(ReadOnlySpan<T> prediction, ReadOnlySpan<T> target, T delta) where T : unmanaged, IFloatingPointIeee754<T>
    {
        SpanCheck.Same(prediction.Length, target.Length);
        CheckDelta(delta);
        T half = T.CreateTruncating(0.5);
        T sum = T.Zero;
        for (int i = 0; i < prediction.Length; i++)
        {
            T d = prediction[i] - target[i], a = T.Abs(d);
            sum += a < delta ? half * d * d : delta * (a - half * delta);
        }

        return sum;
    }

    /// <summary>Σ h(ŷ − y), and gradient = h'(ŷ − y)·scale: d inside δ, δ·sign(d) outside.</summary>
    /// <exception cref="ArgumentOutOfRangeException">δ is not a finite number &gt; 0.</exception>
    public static T Huber<T>(ReadOnlySpan<T> prediction, ReadOnlySpan<T> target, T delta, T scale, Span<T> gradient) where T : unmanaged, IFloatingPointIeee754<T>
    {
        SpanCheck.Same(prediction.Length, target.Length);
        SpanCheck.Same(prediction.Length, gradient.Length);
        CheckDelta(delta);
        T half = T.CreateTruncating(0.5);
        T sum = T.Zero;
        for (int i = 0; i < prediction.Length; i++)
        {
            T d = prediction[i] - target[i], a = T.Abs(d);
            if (a < delta)
            {
                sum += half * d * d;
                gradient[i] = d * scale;
            }
            else
            {
                sum += delta * (a - half * delta);
                gradient[i] = (d > T.Zero ? delta : d < T.Zero ? -delta : T.Zero) * scale;
            }
        }

        return sum;
    }

    /// <summary>Σ [max(ŷ, 0) − ŷ·y + ln(1 + e^−|ŷ|)]: binary cross-entropy on logits ŷ, in the stable form.</summary>
    public static T BinaryCrossEntropy<T>(ReadOnlySpan<T> logits, ReadOnlySpan<T> target) where T : unmanaged, IFloatingPointIeee754<T>
    {
        SpanCheck.Same(logits.Length, target.Length);
        T sum = T.Zero;
        for (int i = 0; i < logits.Length; i++)
        {
            sum += BinaryCrossEntropyTerm(logits[i], target[i]);
        }

        return sum;
    }

    /// <summary>
    /// The mean loss of a network's outputs against their targets, with the network's loss and
    /// reduction (the mean over samples for cross-entropy, over every element otherwise; a
    /// [Differentiable] loss's evaluated in double): what <c>Evaluate</c> returns for the samples that gave these outputs, up to the order of the sums.
    /// </summary>
    /// <exception cref="ArgumentException">The lengths are not whole rows of OutputSize, or differ.</exception>
    public static T Mean<T>(NetworkArchitecture architecture, ReadOnlySpan<T> predictions, ReadOnlySpan<T> targets) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(architecture);
        int width = architecture.OutputSize;
        SpanCheck.Rows(predictions.Length, width);
        if (architecture.LossFunction is { } function)
        {
            // The user's loss of each output, in double (the network computes it in its own precision).
            SpanCheck.Same(predictions.Length, targets.Length);
            double total = 0;
            for (int i = 0; i < predictions.Length; i++)
            {
                total += function.Evaluate(double.CreateTruncating(predictions[i]), double.CreateTruncating(targets[i]));
            }

            return T.CreateTruncating(total / predictions.Length);
        }

        T sum = architecture.Loss switch
        {
            Loss.L1 => L1(predictions, targets),
            Loss.MSE => MSE(predictions, targets),
            Loss.Huber => Huber(predictions, targets, T.CreateTruncating(architecture.HuberDelta)),
            Loss.BinaryCrossEntropy => BinaryCrossEntropy(predictions, targets),
            Loss.CrossEntropy => CrossEntropy(predictions, targets, width),
            _ => throw new InvalidOperationException("Unknown loss " + architecture.Loss),
        };
        int divisor = architecture.Loss == Loss.CrossEntropy ? predictions.Length / width : predictions.Length;
        return sum / T.CreateTruncating(divisor);
    }

    /// <summary>One term of the binary cross-entropy on a logit: max(ŷ, 0) − ŷ·y + ln(1 + e^−|ŷ|).</summary>
    public static T BinaryCrossEntropyTerm<T>(T logit, T target) where T : IFloatingPointIeee754<T> =>
        T.Max(logit, T.Zero) - logit * target + T.CreateTruncating(SpecialFunctions.Log1P(Math.Exp(-double.CreateTruncating(T.Abs(logit)))));

    /// <summary>The binary cross-entropy on logits, and gradient = (σ(ŷ) − y)·scale.</summary>
    public static T BinaryCrossEntropy<T>(ReadOnlySpan<T> logits, ReadOnlySpan<T> target, T scale, Span<T> gradient) where T : unmanaged, IFloatingPointIeee754<T>
    {
        SpanCheck.Same(logits.Length, target.Length);
        SpanCheck.Same(logits.Length, gradient.Length);
        T sum = T.Zero;
        for (int i = 0; i < logits.Length; i++)
        {
            sum += BinaryCrossEntropyTerm(logits[i], target[i]);
            gradient[i] = (Sigmoid(logits[i]) - target[i]) * scale;
        }

        return sum;
    }

    /// <summary>
    /// Σ over rows of [−Σ_c y_c·log softmax(ŷ)_c]: softmax cross-entropy on rows of
    /// <paramref name="classes"/> logits, computed as PyTorch's log_softmax is, from the shifted
    /// logits d_c = ŷ_c − max(ŷ): (Σ_c y_c)·ln Σ_c e^(d_c) − Σ_c y_c·d_c. Nothing of the size of the
    /// logits themselves is added or subtracted, so logits of 10⁷ in float lose nothing.
    /// </summary>
    public static T CrossEntropy<T>(ReadOnlySpan<T> logits, ReadOnlySpan<T> target, int classes) where T : unmanaged, IFloatingPointIeee754<T>
    {
        SpanCheck.Same(logits.Length, target.Length);
        SpanCheck.Rows(logits.Length, classes);
        T sum = T.Zero;
        for (int start = 0; start < logits.Length; start += classes)
        {
            var z = logits.Slice(start, classes);
            var y = target.Slice(start, classes);
            T max = Max(z), exps = T.Zero, targetSum = T.Zero, dot = T.Zero;
            for (int c = 0; c < classes; c++)
            {
                T d = z[c] - max;
                exps += T.Exp(d);
                targetSum += y[c];
                dot += y[c] * d;
            }

            sum += targetSum * T.Log(exps) - dot;
        }

        return sum;
    }

    /// <summary>The softmax cross-entropy, and gradient = (softmax(ŷ)_c·Σ_c' y_c' − y_c)·scale for each row.</summary>
    public static T CrossEntropy<T>(ReadOnlySpan<T> logits, ReadOnlySpan<T> target, int classes, T scale, Span<T> gradient) where T : unmanaged, IFloatingPointIeee754<T>
    {
        SpanCheck.Same(logits.Length, target.Length);
        SpanCheck.Same(logits.Length, gradient.Length);
        SpanCheck.Rows(logits.Length, classes);
        T sum = T.Zero;
        for (int start = 0; start < logits.Length; start += classes)
        {
            var z = logits.Slice(start, classes);
            var y = target.Slice(start, classes);
            var g = gradient.Slice(start, classes);
            T max = Max(z), exps = T.Zero, targetSum = T.Zero, dot = T.Zero;
            for (int c = 0; c < classes; c++)
            {
                T d = z[c] - max, e = T.Exp(d);
                g[c] = e;
                exps += e;
                targetSum += y[c];
                dot += y[c] * d;
            }

            sum += targetSum * T.Log(exps) - dot;
            for (int c = 0; c < classes; c++)
            {
                g[c] = (g[c] / exps * targetSum - y[c]) * scale;
            }
        }

        return sum;
    }

    /// <summary>σ(z) without overflow: 1/(1 + e^−z) for z ≥ 0, e^z/(1 + e^z) below.</summary>
    internal static T Sigmoid<T>(T z) where T : IFloatingPointIeee754<T>
    {
        if (z >= T.Zero)
        {
            return T.One / (T.One + T.Exp(-z));
        }

        T e = T.Exp(z);
        return e / (T.One + e);
    }

    private static T Max<T>(ReadOnlySpan<T> values) where T : IFloatingPointIeee754<T>
    {
        T max = values[0];
        for (int i = 1; i < values.Length; i++)
        {
            max = T.Max(max, values[i]);
        }

        return max;
    }

    private static void CheckDelta<T>(T delta) where T : IFloatingPointIeee754<T>
    {
        if (!(delta > T.Zero) || T.IsInfinity(delta))
        {
            throw new ArgumentOutOfRangeException(nameof(delta), delta, $"Huber's δ must be a finite number > 0; it is {delta}.");
        }
    }
}
