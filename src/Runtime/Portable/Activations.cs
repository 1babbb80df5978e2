using System;
using System.ComponentModel;
using static SkipNet.CompilerServices.Real;

namespace SkipNet.CompilerServices;

/// <summary>
/// The activations and their derivatives, on netstandard2.1: the .NET 8 build's formulas
/// (docs/conventions.md), each element computed in double and rounded once to the network's type.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Activations
{
    private const double InverseSqrt2 = 0.70710678118654752440;
    private const double InverseSqrt2Pi = 0.39894228040143267794;
    private const double SoftplusThreshold = 20;

    /// <summary>h = z if z ≥ 0, else 0.</summary>
    public static void ReLU<T>(ReadOnlySpan<T> z, Span<T> h) where T : unmanaged
    {
        SpanCheck.Same(z.Length, h.Length);
        for (int i = 0; i < z.Length; i++)
        {
            h[i] = ToDouble(z[i]) >= 0 ? z[i] : default;
        }
    }

    /// <summary>delta ← delta·[z ≥ 0] (the derivative at exactly 0 is 1; a NaN z passes no gradient).</summary>
    public static void ReLUBackward<T>(ReadOnlySpan<T> z, Span<T> delta) where T : unmanaged
    {
        SpanCheck.Same(z.Length, delta.Length);
        for (int i = 0; i < z.Length; i++)
        {
            delta[i] = ToDouble(z[i]) >= 0 ? delta[i] : default;
        }
    }

    /// <summary>h = z if z ≥ 0, else α·z.</summary>
    public static void LeakyReLU<T>(ReadOnlySpan<T> z, Span<T> h, T alpha) where T : unmanaged
    {
        SpanCheck.Same(z.Length, h.Length);
        double a = ToDouble(alpha);
        for (int i = 0; i < z.Length; i++)
        {
            double v = ToDouble(z[i]);
            h[i] = v >= 0 ? z[i] : From<T>(a * v);
        }
    }

    /// <summary>delta ← delta·(1 if z ≥ 0, else α).</summary>
    public static void LeakyReLUBackward<T>(ReadOnlySpan<T> z, Span<T> delta, T alpha) where T : unmanaged
    {
        SpanCheck.Same(z.Length, delta.Length);
        double a = ToDouble(alpha);
        for (int i = 0; i < z.Length; i++)
        {
            delta[i] = ToDouble(z[i]) >= 0 ? delta[i] : From<T>(ToDouble(delta[i]) * a);
        }
    }

    /// <summary>h = tanh z.</summary>
    public static void Tanh<T>(ReadOnlySpan<T> z, Span<T> h) where T : unmanaged
    {
        SpanCheck.Same(z.Length, h.Length);
        for (int i = 0; i < z.Length; i++)
        {
            h[i] = From<T>(Math.Tanh(ToDouble(z[i])));
        }
    }

    /// <summary>delta ← delta·(1 − h²), with h = tanh z.</summary>
    public static void TanhBackward<T>(ReadOnlySpan<T> h, Span<T> delta) where T : unmanaged
    {
        SpanCheck.Same(h.Length, delta.Length);
        for (int i = 0; i < h.Length; i++)
        {
            double v = ToDouble(h[i]);
            delta[i] = From<T>(ToDouble(delta[i]) * (1 - v * v));
        }
    }

    /// <summary>h = 1 / (1 + e^−z).</summary>
    public static void Sigmoid<T>(ReadOnlySpan<T> z, Span<T> h) where T : unmanaged
    {
        SpanCheck.Same(z.Length, h.Length);
        for (int i = 0; i < z.Length; i++)
        {
            h[i] = From<T>(1 / (1 + Math.Exp(-ToDouble(z[i]))));
        }
    }

    /// <summary>delta ← delta·h·(1 − h), with h = σ(z).</summary>
    public static void SigmoidBackward<T>(ReadOnlySpan<T> h, Span<T> delta) where T : unmanaged
    {
        SpanCheck.Same(h.Length, delta.Length);
        for (int i = 0; i < h.Length; i++)
        {
            double v = ToDouble(h[i]);
            delta[i] = From<T>(ToDouble(delta[i]) * (v * (1 - v)));
        }
    }

    /// <summary>h = GELU(z) = ½·z·(1 + erf(z/√2)).</summary>
    public static void GELU<T>(ReadOnlySpan<T> z, Span<T> h) where T : unmanaged
    {
        SpanCheck.Same(z.Length, h.Length);
        for (int i = 0; i < z.Length; i++)
        {
            h[i] = GELU(z[i]);
        }
    }

    /// <summary>delta ← delta·GELU'(z).</summary>
    public static void GELUBackward<T>(ReadOnlySpan<T> z, Span<T> delta) where T : unmanaged
    {
        SpanCheck.Same(z.Length, delta.Length);
        for (int i = 0; i < z.Length; i++)
        {
            delta[i] = From<T>(ToDouble(delta[i]) * ToDouble(GELUDerivative(z[i])));
        }
    }

    /// <summary>h = SiLU(z) = z·σ(z).</summary>
    public static void SiLU<T>(ReadOnlySpan<T> z, Span<T> h) where T : unmanaged
    {
        SpanCheck.Same(z.Length, h.Length);
        for (int i = 0; i < z.Length; i++)
        {
            h[i] = SiLU(z[i]);
        }
    }

    /// <summary>delta ← delta·SiLU'(z).</summary>
    public static void SiLUBackward<T>(ReadOnlySpan<T> z, Span<T> delta) where T : unmanaged
    {
        SpanCheck.Same(z.Length, delta.Length);
        for (int i = 0; i < z.Length; i++)
        {
            delta[i] = From<T>(ToDouble(delta[i]) * ToDouble(SiLUDerivative(z[i])));
        }
    }

    /// <summary>h = Softplus(z) = ln(1 + e^z), or z when z &gt; 20 (PyTorch's β = 1, threshold 20).</summary>
    public static void Softplus<T>(ReadOnlySpan<T> z, Span<T> h) where T : unmanaged
    {
        SpanCheck.Same(z.Length, h.Length);
        for (int i = 0; i < z.Length; i++)
        {
            h[i] = Softplus(z[i]);
        }
    }

    /// <summary>delta ← delta·Softplus'(z), Softplus'(z) = σ(z), or 1 when z &gt; 20.</summary>
    public static void SoftplusBackward<T>(ReadOnlySpan<T> z, Span<T> delta) where T : unmanaged
    {
        SpanCheck.Same(z.Length, delta.Length);
        for (int i = 0; i < z.Length; i++)
        {
            delta[i] = From<T>(ToDouble(delta[i]) * ToDouble(SoftplusDerivative(z[i])));
        }
    }

    /// <summary>GELU(z) = ½·z·(1 + erf(z/√2)) (PyTorch's exact form).</summary>
    public static T GELU<T>(T z) where T : unmanaged
    {
        double v = ToDouble(z);
        return From<T>(0.5 * v * (1 + SpecialFunctions.Erf(v * InverseSqrt2)));
    }

    /// <summary>GELU'(z) = Φ(z) + z·φ(z), Φ(z) = ½(1 + erf(z/√2)), φ(z) = e^(−z²/2)/√(2π).</summary>
    public static T GELUDerivative<T>(T z) where T : unmanaged
    {
        double v = ToDouble(z);
        double cdf = 0.5 * (1 + SpecialFunctions.Erf(v * InverseSqrt2));
        double pdf = SpecialFunctions.ExpNonPositive(-0.5 * v * v) * InverseSqrt2Pi;
        return From<T>(cdf + v * pdf);
    }

    /// <summary>SiLU(z) = z·σ(z) = z / (1 + e^−z).</summary>
    public static T SiLU<T>(T z) where T : unmanaged
    {
        double v = ToDouble(z);
        return From<T>(v / (1 + Math.Exp(-v)));
    }

    /// <summary>SiLU'(z) = σ(z)·(1 + z·(1 − σ(z))).</summary>
    public static T SiLUDerivative<T>(T z) where T : unmanaged
    {
        double v = ToDouble(z), sigmoid = 1 / (1 + Math.Exp(-v));
        return From<T>(sigmoid * (1 + v * (1 - sigmoid)));
    }

    /// <summary>Softplus(z) = ln(1 + e^z), or z itself when z &gt; 20.</summary>
    public static T Softplus<T>(T z) where T : unmanaged
    {
        double v = ToDouble(z);
        return v > SoftplusThreshold ? z : From<T>(SpecialFunctions.Log1P(Math.Exp(v)));
    }

    /// <summary>Softplus'(z) = e^z/(e^z + 1) = σ(z), or 1 when z &gt; 20 (PyTorch's form).</summary>
    public static T SoftplusDerivative<T>(T z) where T : unmanaged
    {
        double v = ToDouble(z);
        if (v > SoftplusThreshold)
        {
            return From<T>(1);
        }

        double e = Math.Exp(v);
        return From<T>(e / (e + 1));
    }
}
