using System;
using System.Numerics;

namespace SkipNet;

/// <summary>
/// Activations over spans, for looped networks: the forward map h = f(z), and the backward map
/// that turns dL/dh into dL/dz in place (delta ← delta·f'). Derivatives per <see href="https://github.com/skipnet/skipnet/blob/main/docs/conventions.md">docs/conventions.md</see>.
/// </summary>
public static class Activations
{
    /// <summary>h = z if z ≥ 0, else 0.</summary>
    public static void ReLU<T>(ReadOnlySpan<T> z, Span<T> h) where T : unmanaged, IFloatingPointIeee754<T>
    {
        SpanCheck.Same(z.Length, h.Length);
        for (int i = 0; i < z.Length; i++)
        {
            h[i] = z[i] >= T.Zero ? z[i] : T.Zero;
        }
    }

    /// <summary>delta ← delta·[z ≥ 0] (the derivative at exactly 0 is 1; a NaN z passes no gradient, as ReLU(NaN) = 0).</summary>
    public static void ReLUBackward<T>(ReadOnlySpan<T> z, Span<T> delta) where T : unmanaged, IFloatingPointIeee754<T>
    {
        SpanCheck.Same(z.Length, delta.Length);
        for (int i = 0; i < z.Length; i++)
        {
            if (!(z[i] >= T.Zero))
            {
                delta[i] = T.Zero;
            }
        }
    }

    /// <summary>h = z if z ≥ 0, else α·z.</summary>
    public static void LeakyReLU<T>(ReadOnlySpan<T> z, Span<T> h, T alpha) where T : unmanaged, IFloatingPointIeee754<T>
    {
        SpanCheck.Same(z.Length, h.Length);
        for (int i = 0; i < z.Length; i++)
        {
            h[i] = z[i] >= T.Zero ? z[i] : alpha * z[i];
        }
    }

    /// <summary>delta ← delta·(1 if z ≥ 0, else α).</summary>
    public static void LeakyReLUBackward<T>(ReadOnlySpan<T> z, Span<T> delta, T alpha) where T : unmanaged, IFloatingPointIeee754<T>
    {
        SpanCheck.Same(z.Length, delta.Length);
        for (int i = 0; i < z.Length; i++)
        {
            if (!(z[i] >= T.Zero))
            {
                delta[i] *= alpha;
            }
        }
    }

    /// <summary>h = tanh z.</summary>
    public static void Tanh<T>(ReadOnlySpan<T> z, Span<T> h) where T : unmanaged, IFloatingPointIeee754<T>
    {
        SpanCheck.Same(z.Length, h.Length);
        for (int i = 0; i < z.Length; i++)
        {
            h[i] = T.Tanh(z[i]);
        }
    }

    /// <summary>delta ← delta·(1 − h²), with h = tanh z.</summary>
    public static void TanhBackward<T>(ReadOnlySpan<T> h, Span<T> delta) where T : unmanaged, IFloatingPointIeee754<T>
    {
        SpanCheck.Same(h.Length, delta.Length);
        for (int i = 0; i < h.Length; i++)
        {
            delta[i] *= T.One - h[i] * h[i];
        }
    }

    /// <summary>h = 1 / (1 + e^−z).</summary>
    public static void Sigmoid<T>(ReadOnlySpan<T> z, Span<T> h) where T : unmanaged, IFloatingPointIeee754<T>
    {
        SpanCheck.Same(z.Length, h.Length);
        for (int i = 0; i < z.Length; i++)
        {
            h[i] = T.One / (T.One + T.Exp(-z[i]));
        }
    }

    /// <summary>delta ← delta·h·(1 − h), with h = σ(z).</summary>
    public static void SigmoidBackward<T>(ReadOnlySpan<T> h, Span<T> delta) where T : unmanaged, IFloatingPointIeee754<T>
    {
        SpanCheck.Same(h.Length, delta.Length);
        for (int i = 0; i < h.Length; i++)
        {
            delta[i] *= h[i] * (T.One - h[i]);
        }
    }
}
