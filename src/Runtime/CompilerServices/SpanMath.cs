using System;
using System.Numerics;
using System.Runtime.InteropServices;

namespace SkipNet.CompilerServices;

/// <summary>
/// Sums and element-wise updates over one span, in <see cref="Vector{T}"/> lanes (then the tail one
/// by one): what the per-channel loops of the normalizations and the bias gradients run on.
/// </summary>
internal static class SpanMath
{
    /// <summary>Σ values, in T.</summary>
    public static T Sum<T>(ReadOnlySpan<T> values)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        var lanes = Vector<T>.Zero;
        for (; i <= values.Length - Vector<T>.Count; i += Vector<T>.Count)
        {
            lanes += new Vector<T>(values[i..]);
        }

        T sum = Vector.Sum(lanes);
        for (; i < values.Length; i++)
        {
            sum += values[i];
        }

        return sum;
    }

    /// <summary>(Σ a, Σ a⊙b), in T.</summary>
    public static (T Sum, T Dot) SumAndDot<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        Vector<T> sums = Vector<T>.Zero, dots = Vector<T>.Zero;
        for (; i <= a.Length - Vector<T>.Count; i += Vector<T>.Count)
        {
            var va = new Vector<T>(a[i..]);
            sums += va;
            dots += va * new Vector<T>(b[i..]);
        }

        T sum = Vector.Sum(sums), dot = Vector.Sum(dots);
        for (; i < a.Length; i++)
        {
            sum += a[i];
            dot += a[i] * b[i];
        }

        return (sum, dot);
    }

    /// <summary>Σ values and Σ (values − <paramref name="center"/>)², in double whatever T is.</summary>
    public static double SumInDouble<T>(ReadOnlySpan<T> values, double center, bool squares)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var c = new Vector<double>(center);
        var lanes = Vector<double>.Zero;
        int i = 0;
        if (typeof(T) == typeof(float))
        {
            var floats = MemoryMarshal.Cast<T, float>(values);
            for (; i <= floats.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                Vector.Widen(new Vector<float>(floats[i..]), out var low, out var high);
                lanes += squares ? (low - c) * (low - c) + (high - c) * (high - c) : low + high;
            }
        }
        else if (typeof(T) == typeof(double))
        {
            var doubles = MemoryMarshal.Cast<T, double>(values);
            for (; i <= doubles.Length - Vector<double>.Count; i += Vector<double>.Count)
            {
                var v = new Vector<double>(doubles[i..]);
                lanes += squares ? (v - c) * (v - c) : v;
            }
        }

        double sum = Vector.Sum(lanes);
        for (; i < values.Length; i++)
        {
            double v = double.CreateTruncating(values[i]);
            sum += squares ? (v - center) * (v - center) : v;
        }

        return sum;
    }

    /// <summary>normalized = (values − mean)·r and results = γ·normalized + β, element by element.</summary>
    public static void Normalize<T>(ReadOnlySpan<T> values, Span<T> normalized, Span<T> results, T mean, T r, T gamma, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        Vector<T> m = new(mean), vr = new(r), g = new(gamma), b = new(beta);
        for (; i <= values.Length - Vector<T>.Count; i += Vector<T>.Count)
        {
            var x = (new Vector<T>(values[i..]) - m) * vr;
            x.CopyTo(normalized[i..]);
            (g * x + b).CopyTo(results[i..]);
        }

        for (; i < values.Length; i++)
        {
            T x = (values[i] - mean) * r;
            normalized[i] = x;
            results[i] = gamma * x + beta;
        }
    }

    /// <summary>results = γ·((values − mean)·r) + β, element by element.</summary>
    public static void Normalize<T>(ReadOnlySpan<T> values, Span<T> results, T mean, T r, T gamma, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        Vector<T> m = new(mean), vr = new(r), g = new(gamma), b = new(beta);
        for (; i <= values.Length - Vector<T>.Count; i += Vector<T>.Count)
        {
            (g * ((new Vector<T>(values[i..]) - m) * vr) + b).CopyTo(results[i..]);
        }

        for (; i < values.Length; i++)
        {
            results[i] = gamma * ((values[i] - mean) * r) + beta;
        }
    }

    /// <summary>destination += scale·(a·deltas − b − normalized·c), element by element (BatchNorm's dL/dh).</summary>
    public static void NormalizationBackward<T>(ReadOnlySpan<T> deltas, ReadOnlySpan<T> normalized, Span<T> destination, T scale, T a, T b, T c)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        Vector<T> vs = new(scale), va = new(a), vb = new(b), vc = new(c);
        for (; i <= deltas.Length - Vector<T>.Count; i += Vector<T>.Count)
        {
            var d = new Vector<T>(destination[i..]) + vs * (va * new Vector<T>(deltas[i..]) - vb - new Vector<T>(normalized[i..]) * vc);
            d.CopyTo(destination[i..]);
        }

        for (; i < deltas.Length; i++)
        {
            destination[i] += scale * (a * deltas[i] - b - normalized[i] * c);
        }
    }
}
