using System;
using System.Numerics;

namespace SkipNet;

/// <summary>
/// Losses over one sample's outputs, for looped networks. Each returns the sum of the
/// per-element losses; the caller divides by N (batch size × output width), per
/// <see href="https://github.com/skipnet/skipnet/blob/main/docs/conventions.md">docs/conventions.md</see>. The gradient overloads write dL/dŷ = (per-element derivative)·<c>scale</c>,
/// where <c>scale</c> is 1/N.
/// </summary>
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
}
