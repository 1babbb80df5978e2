using System;
using System.ComponentModel;
using static SkipNet.CompilerServices.Real;

namespace SkipNet.CompilerServices;

/// <summary>
/// The losses (sums over the elements, and dL/dŷ times a scale), on netstandard2.1: the .NET 8
/// build's formulas (docs/conventions.md), computed in double and rounded once to the network's type.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Losses
{
    /// <summary>Σ |y − ŷ|.</summary>
    public static T L1<T>(ReadOnlySpan<T> prediction, ReadOnlySpan<T> target) where T : unmanaged
    {
        SpanCheck.Same(prediction.Length, target.Length);
        double sum = 0;
        for (int i = 0; i < prediction.Length; i++)
        {
            sum += Math.Abs(ToDouble(target[i]) - ToDouble(prediction[i]));
        }

        return From<T>(sum);
    }

    /// <summary>Σ |y − ŷ|, and gradient = scale·sign(ŷ − y) (0 where they are equal).</summary>
    public static T L1<T>(ReadOnlySpan<T> prediction, ReadOnlySpan<T> target, T scale, Span<T> gradient) where T : unmanaged
    {
        SpanCheck.Same(prediction.Length, target.Length);
        SpanCheck.Same(prediction.Length, gradient.Length);
        double sum = 0, s = ToDouble(scale);
        for (int i = 0; i < prediction.Length; i++)
        {
            double d = ToDouble(prediction[i]) - ToDouble(target[i]);
            sum += Math.Abs(d);
            gradient[i] = From<T>(d > 0 ? s : d < 0 ? -s : 0);
        }

        return From<T>(sum);
    }

    /// <summary>Σ (ŷ − y)².</summary>
    public static T MSE<T>(ReadOnlySpan<T> prediction, ReadOnlySpan<T> target) where T : unmanaged
    {
        SpanCheck.Same(prediction.Length, target.Length);
        double sum = 0;
        for (int i = 0; i < prediction.Length; i++)
        {
            double d = ToDouble(prediction[i]) - ToDouble(target[i]);
            sum += d * d;
        }

        return From<T>(sum);
    }

    /// <summary>Σ (ŷ − y)², and gradient = 2·(ŷ − y)·scale.</summary>
    public static T MSE<T>(ReadOnlySpan<T> prediction, ReadOnlySpan<T> target, T scale, Span<T> gradient) where T : unmanaged
    {
        SpanCheck.Same(prediction.Length, target.Length);
        SpanCheck.Same(prediction.Length, gradient.Length);
        double sum = 0, s = ToDouble(scale);
        for (int i = 0; i < prediction.Length; i++)
        {
            double d = ToDouble(prediction[i]) - ToDouble(target[i]);
            sum += d * d;
            gradient[i] = From<T>(2 * d * s);
        }

        return From<T>(sum);
    }

    /// <summary>Σ huber_δ(ŷ − y): ½d² where |d| &lt; δ, else δ(|d| − ½δ).</summary>
    /// <exception cref="ArgumentOutOfRangeException">δ is not a finite number &gt; 0.</exception>
    public static T Huber<T>(ReadOnlySpan<T> prediction, ReadOnlySpan<T> target, T delta) where T : unmanaged
    {
        SpanCheck.Same(prediction.Length, target.Length);
        double dl = CheckDelta(delta), sum = 0;
        for (int i = 0; i < prediction.Length; i++)
        {
            double d = ToDouble(prediction[i]) - ToDouble(target[i]), a = Math.Abs(d);
            sum += a < dl ? 0.5 * d * d : dl * (a - 0.5 * dl);
        }

        return From<T>(sum);
    }

    /// <summary>Σ huber_δ(ŷ − y), and gradient = scale·(d where |d| &lt; δ, else δ·sign d).</summary>
    /// <exception cref="ArgumentOutOfRangeException">δ is not a finite number &gt; 0.</exception>
    public static T Huber<T>(ReadOnlySpan<T> prediction, ReadOnlySpan<T> target, T delta, T scale, Span<T> gradient) where T : unmanaged
    {
        SpanCheck.Same(prediction.Length, target.Length);
        SpanCheck.Same(prediction.Length, gradient.Length);
        double dl = CheckDelta(delta), s = ToDouble(scale), sum = 0;
        for (int i = 0; i < prediction.Length; i++)
        {
            double d = ToDouble(prediction[i]) - ToDouble(target[i]), a = Math.Abs(d);
            if (a < dl)
            {
                sum += 0.5 * d * d;
                gradient[i] = From<T>(d * s);
            }
            else
            {
                sum += dl * (a - 0.5 * dl);
                gradient[i] = From<T>((d > 0 ? dl : d < 0 ? -dl : 0) * s);
            }
        }

        return From<T>(sum);
    }

    /// <summary>Σ of <see cref="BinaryCrossEntropyTerm{T}"/> over the logits.</summary>
    public static T BinaryCrossEntropy<T>(ReadOnlySpan<T> logits, ReadOnlySpan<T> target) where T : unmanaged
    {
        SpanCheck.Same(logits.Length, target.Length);
        double sum = 0;
        for (int i = 0; i < logits.Length; i++)
        {
            sum += Term(ToDouble(logits[i]), ToDouble(target[i]));
        }

        return From<T>(sum);
    }

    /// <summary>Σ of the terms, and gradient = (σ(z) − y)·scale.</summary>
    public static T BinaryCrossEntropy<T>(ReadOnlySpan<T> logits, ReadOnlySpan<T> target, T scale, Span<T> gradient) where T : unmanaged
    {
        SpanCheck.Same(logits.Length, target.Length);
        SpanCheck.Same(logits.Length, gradient.Length);
        double sum = 0, s = ToDouble(scale);
        for (int i = 0; i < logits.Length; i++)
        {
            double z = ToDouble(logits[i]), y = ToDouble(target[i]);
            sum += Term(z, y);
            gradient[i] = From<T>((Sigmoid(z) - y) * s);
        }

        return From<T>(sum);
    }

    /// <summary>max(z, 0) − z·y + ln(1 + e^(−|z|)): the binary cross-entropy of a logit, stable for large |z|.</summary>
    public static T BinaryCrossEntropyTerm<T>(T logit, T target) where T : unmanaged => From<T>(Term(ToDouble(logit), ToDouble(target)));

    /// <summary>Σ over the rows of (Σy)·ln Σe^(z − max z) − Σ y·(z − max z): softmax cross-entropy of each row of <paramref name="classes"/> logits.</summary>
    public static T CrossEntropy<T>(ReadOnlySpan<T> logits, ReadOnlySpan<T> target, int classes) where T : unmanaged
        => CrossEntropy(logits, target, classes, default, default, gradient: false);

    /// <summary>The softmax cross-entropy, and gradient = (softmax(z)·Σy − y)·scale.</summary>
    public static T CrossEntropy<T>(ReadOnlySpan<T> logits, ReadOnlySpan<T> target, int classes, T scale, Span<T> gradient) where T : unmanaged
    {
        SpanCheck.Same(logits.Length, gradient.Length);
        return CrossEntropy(logits, target, classes, scale, gradient, gradient: true);
    }

    /// <summary>The mean loss of a batch of predictions, as the network's Evaluate reports it.</summary>
    /// <exception cref="ArgumentException">The lengths do not fit the architecture.</exception>
    public static T Mean<T>(NetworkArchitecture architecture, ReadOnlySpan<T> predictions, ReadOnlySpan<T> targets) where T : unmanaged
    {
        if (architecture is null)
        {
            throw new ArgumentNullException(nameof(architecture));
        }

        int width = architecture.OutputSize;
        SpanCheck.Rows(predictions.Length, width);
        if (architecture.LossFunction is { } function)
        {
            SpanCheck.Same(predictions.Length, targets.Length);
            double total = 0;
            for (int i = 0; i < predictions.Length; i++)
            {
                total += function.Evaluate(ToDouble(predictions[i]), ToDouble(targets[i]));
            }

            return From<T>(total / predictions.Length);
        }

        T sum = architecture.Loss switch
        {
            Loss.L1 => L1(predictions, targets),
            Loss.MSE => MSE(predictions, targets),
            Loss.Huber => Huber(predictions, targets, From<T>(architecture.HuberDelta)),
            Loss.BinaryCrossEntropy => BinaryCrossEntropy(predictions, targets),
            Loss.CrossEntropy => CrossEntropy(predictions, targets, width),
            _ => throw new InvalidOperationException("Unknown loss " + architecture.Loss),
        };
        int divisor = architecture.Loss == Loss.CrossEntropy ? predictions.Length / width : predictions.Length;
        return From<T>(ToDouble(sum) / divisor);
    }

    private static T CrossEntropy<T>(ReadOnlySpan<T> logits, ReadOnlySpan<T> target, int classes, T scale, Span<T> gradients, bool gradient) where T : unmanaged
    {
        SpanCheck.Same(logits.Length, target.Length);
        SpanCheck.Rows(logits.Length, classes);
        double sum = 0, s = ToDouble(scale);
        for (int start = 0; start < logits.Length; start += classes)
        {
            var z = logits.Slice(start, classes);
            var y = target.Slice(start, classes);
            double max = ToDouble(z[0]);
            for (int c = 1; c < classes; c++)
            {
                max = Math.Max(max, ToDouble(z[c]));
            }

            double exps = 0, targetSum = 0, dot = 0;
            for (int c = 0; c < classes; c++)
            {
                double d = ToDouble(z[c]) - max;
                exps += Math.Exp(d);
                targetSum += ToDouble(y[c]);
                dot += ToDouble(y[c]) * d;
            }

            sum += targetSum * Math.Log(exps) - dot;
            if (gradient)
            {
                for (int c = 0; c < classes; c++)
                {
                    double softmax = Math.Exp(ToDouble(z[c]) - max) / exps;
                    gradients[start + c] = From<T>((softmax * targetSum - ToDouble(y[c])) * s);
                }
            }
        }

        return From<T>(sum);
    }

    private static double Term(double z, double y) => Math.Max(z, 0) - z * y + SpecialFunctions.Log1P(Math.Exp(-Math.Abs(z)));

    private static double Sigmoid(double z)
    {
        if (z >= 0)
        {
            return 1 / (1 + Math.Exp(-z));
        }

        double e = Math.Exp(z);
        return e / (1 + e);
    }

    private static double CheckDelta<T>(T delta) where T : unmanaged
    {
        double d = ToDouble(delta);
        if (!(d > 0) || double.IsInfinity(d))
        {
            throw new ArgumentOutOfRangeException(nameof(delta), delta, $"Huber's δ must be a finite number > 0; it is {delta}.");
        }

        return d;
    }
}
