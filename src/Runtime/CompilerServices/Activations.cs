using System;
using System.ComponentModel;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SkipNet.CompilerServices;

/// <summary>
/// Activations over spans, for looped networks: the forward map h = f(z), and the backward map
/// that turns dL/dh into dL/dz in place (delta ← delta·f'). Derivatives per <see href="https://github.com/skipnet/skipnet/blob/main/docs/conventions.md">docs/conventions.md</see>.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Activations
{
    // The piecewise-linear maps select per element without a branch (the sign pattern of a layer is
    // data: a branch on it mispredicts about every other element), a vector at a time; the
    // selection and the products are those of the scalar tail, so the bits are the same.

    /// <summary>h = z if z ≥ 0, else 0.</summary>
    public static void ReLU<T>(ReadOnlySpan<T> z, Span<T> h) where T : unmanaged, IFloatingPointIeee754<T>
    {
        SpanCheck.Same(z.Length, h.Length);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= z.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var v = new Vector<T>(z.Slice(i));
                Vector.ConditionalSelect(Vector.GreaterThanOrEqual(v, Vector<T>.Zero), v, Vector<T>.Zero).CopyTo(h.Slice(i));
            }
        }

        for (; i < z.Length; i++)
        {
            h[i] = z[i] >= T.Zero ? z[i] : T.Zero;
        }
    }

    /// <summary>delta ← delta·[z ≥ 0] (the derivative at exactly 0 is 1; a NaN z passes no gradient, as ReLU(NaN) = 0).</summary>
    public static void ReLUBackward<T>(ReadOnlySpan<T> z, Span<T> delta) where T : unmanaged, IFloatingPointIeee754<T>
    {
        SpanCheck.Same(z.Length, delta.Length);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= z.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var d = new Vector<T>(delta.Slice(i));
                Vector.ConditionalSelect(Vector.GreaterThanOrEqual(new Vector<T>(z.Slice(i)), Vector<T>.Zero), d, Vector<T>.Zero).CopyTo(delta.Slice(i));
            }
        }

        for (; i < z.Length; i++)
        {
            delta[i] = z[i] >= T.Zero ? delta[i] : T.Zero;
        }
    }

    /// <summary>h = z if z ≥ 0, else α·z.</summary>
    public static void LeakyReLU<T>(ReadOnlySpan<T> z, Span<T> h, T alpha) where T : unmanaged, IFloatingPointIeee754<T>
    {
        SpanCheck.Same(z.Length, h.Length);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var a = new Vector<T>(alpha);
            for (; i <= z.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var v = new Vector<T>(z.Slice(i));
                Vector.ConditionalSelect(Vector.GreaterThanOrEqual(v, Vector<T>.Zero), v, a * v).CopyTo(h.Slice(i));
            }
        }

        for (; i < z.Length; i++)
        {
            h[i] = z[i] >= T.Zero ? z[i] : alpha * z[i];
        }
    }

    /// <summary>delta ← delta·(1 if z ≥ 0, else α).</summary>
    public static void LeakyReLUBackward<T>(ReadOnlySpan<T> z, Span<T> delta, T alpha) where T : unmanaged, IFloatingPointIeee754<T>
    {
        SpanCheck.Same(z.Length, delta.Length);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var a = new Vector<T>(alpha);
            for (; i <= z.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var d = new Vector<T>(delta.Slice(i));
                Vector.ConditionalSelect(Vector.GreaterThanOrEqual(new Vector<T>(z.Slice(i)), Vector<T>.Zero), d, d * a).CopyTo(delta.Slice(i));
            }
        }

        for (; i < z.Length; i++)
        {
            delta[i] = z[i] >= T.Zero ? delta[i] : delta[i] * alpha;
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

    /// <summary>h = GELU(z) = ½·z·(1 + erf(z/√2)), computed in the network's type as PyTorch does (sixteen or eight floats, eight or four doubles at a time where the CPU has AVX-512 or AVX2, and on several threads for long spans; the same bits).</summary>
    public static void GELU<T>(ReadOnlySpan<T> z, Span<T> h) where T : unmanaged, IFloatingPointIeee754<T>
    {
        SpanCheck.Same(z.Length, h.Length);
        if (!ParallelElementwise.Split(ElementwiseOp.GeluForward, z, h))
        {
            GELUCore(z, h);
        }
    }

    internal static void GELUCore<T>(ReadOnlySpan<T> z, Span<T> h) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            GELUSingle(MemoryMarshal.Cast<T, float>(z), MemoryMarshal.Cast<T, float>(h));
        }
        else if (typeof(T) == typeof(double))
        {
            GELUDouble(MemoryMarshal.Cast<T, double>(z), MemoryMarshal.Cast<T, double>(h));
        }
        else
        {
            for (int i = 0; i < z.Length; i++)
            {
                h[i] = GELU(z[i]);
            }
        }
    }

    private static void GELUSingle(ReadOnlySpan<float> z, Span<float> h)
    {
        int i = 0;
        ref float zr = ref MemoryMarshal.GetReference(z);
        ref float hr = ref MemoryMarshal.GetReference(h);
        if (SpecialFunctions.IsVector512)
        {
            var half = Vector512.Create(0.5f);
            var one = Vector512.Create(1f);
            var scale = Vector512.Create(InverseSqrt2Single);
            for (; i <= z.Length - 16; i += 16)
            {
                var v = Vector512.LoadUnsafe(ref zr, (nuint)i);
                (half * v * (one + SpecialFunctions.ErfVector(v * scale))).StoreUnsafe(ref hr, (nuint)i);
            }
        }

        if (SpecialFunctions.IsErfVectorized)
        {
            var half = Vector256.Create(0.5f);
            var one = Vector256.Create(1f);
            var scale = Vector256.Create(InverseSqrt2Single);
            for (; i <= z.Length - 8; i += 8)
            {
                var v = Vector256.LoadUnsafe(ref zr, (nuint)i);
                (half * v * (one + SpecialFunctions.ErfVector(v * scale))).StoreUnsafe(ref hr, (nuint)i);
            }
        }

        for (; i < z.Length; i++)
        {
            h[i] = GELU(z[i]);
        }
    }

    private static void GELUDouble(ReadOnlySpan<double> z, Span<double> h)
    {
        int i = 0;
        ref double zr = ref MemoryMarshal.GetReference(z);
        ref double hr = ref MemoryMarshal.GetReference(h);
        if (SpecialFunctions.IsVector512)
        {
            var half = Vector512.Create(0.5);
            var one = Vector512.Create(1.0);
            var scale = Vector512.Create(InverseSqrt2);
            for (; i <= z.Length - 8; i += 8)
            {
                var v = Vector512.LoadUnsafe(ref zr, (nuint)i);
                (half * v * (one + SpecialFunctions.ErfVector(v * scale))).StoreUnsafe(ref hr, (nuint)i);
            }
        }

        if (SpecialFunctions.IsErfVectorized)
        {
            var half = Vector256.Create(0.5);
            var one = Vector256.Create(1.0);
            var scale = Vector256.Create(InverseSqrt2);
            for (; i <= z.Length - 4; i += 4)
            {
                var v = Vector256.LoadUnsafe(ref zr, (nuint)i);
                (half * v * (one + SpecialFunctions.ErfVector(v * scale))).StoreUnsafe(ref hr, (nuint)i);
            }
        }

        for (; i < z.Length; i++)
        {
            h[i] = GELU(z[i]);
        }
    }

    /// <summary>delta ← delta·GELU'(z), GELU'(z) = Φ(z) + z·φ(z), in the network's type (sixteen or eight floats, eight or four doubles at a time where the CPU has AVX-512 or AVX2, and on several threads for long spans; the same bits).</summary>
    public static void GELUBackward<T>(ReadOnlySpan<T> z, Span<T> delta) where T : unmanaged, IFloatingPointIeee754<T>
    {
        SpanCheck.Same(z.Length, delta.Length);
        if (!ParallelElementwise.Split(ElementwiseOp.GeluBackward, z, delta))
        {
            GELUBackwardCore(z, delta);
        }
    }

    internal static void GELUBackwardCore<T>(ReadOnlySpan<T> z, Span<T> delta) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            GELUBackwardSingle(MemoryMarshal.Cast<T, float>(z), MemoryMarshal.Cast<T, float>(delta));
        }
        else if (typeof(T) == typeof(double))
        {
            GELUBackwardDouble(MemoryMarshal.Cast<T, double>(z), MemoryMarshal.Cast<T, double>(delta));
        }
        else
        {
            for (int i = 0; i < z.Length; i++)
            {
                delta[i] *= GELUDerivative(z[i]);
            }
        }
    }

    private static void GELUBackwardSingle(ReadOnlySpan<float> z, Span<float> delta)
    {
        int i = 0;
        ref float zr = ref MemoryMarshal.GetReference(z);
        ref float dr = ref MemoryMarshal.GetReference(delta);
        if (SpecialFunctions.IsVector512)
        {
            var half = Vector512.Create(0.5f);
            var one = Vector512.Create(1f);
            var minusHalf = Vector512.Create(-0.5f);
            var scale = Vector512.Create(InverseSqrt2Single);
            var density = Vector512.Create(InverseSqrt2PiSingle);
            for (; i <= z.Length - 16; i += 16)
            {
                var v = Vector512.LoadUnsafe(ref zr, (nuint)i);
                var cdf = half * (one + SpecialFunctions.ErfVector(v * scale));
                var pdf = SpecialFunctions.ExpNonPositive(minusHalf * v * v) * density;
                (Vector512.LoadUnsafe(ref dr, (nuint)i) * (cdf + v * pdf)).StoreUnsafe(ref dr, (nuint)i);
            }
        }

        if (SpecialFunctions.IsErfVectorized)
        {
            var half = Vector256.Create(0.5f);
            var one = Vector256.Create(1f);
            var minusHalf = Vector256.Create(-0.5f);
            var scale = Vector256.Create(InverseSqrt2Single);
            var density = Vector256.Create(InverseSqrt2PiSingle);
            for (; i <= z.Length - 8; i += 8)
            {
                var v = Vector256.LoadUnsafe(ref zr, (nuint)i);
                var cdf = half * (one + SpecialFunctions.ErfVector(v * scale));
                var pdf = SpecialFunctions.ExpNonPositive(minusHalf * v * v) * density;
                (Vector256.LoadUnsafe(ref dr, (nuint)i) * (cdf + v * pdf)).StoreUnsafe(ref dr, (nuint)i);
            }
        }

        for (; i < z.Length; i++)
        {
            delta[i] *= GELUDerivative(z[i]);
        }
    }

    private static void GELUBackwardDouble(ReadOnlySpan<double> z, Span<double> delta)
    {
        int i = 0;
        ref double zr = ref MemoryMarshal.GetReference(z);
        ref double dr = ref MemoryMarshal.GetReference(delta);
        if (SpecialFunctions.IsVector512)
        {
            var half = Vector512.Create(0.5);
            var one = Vector512.Create(1.0);
            var minusHalf = Vector512.Create(-0.5);
            var scale = Vector512.Create(InverseSqrt2);
            var density = Vector512.Create(InverseSqrt2Pi);
            for (; i <= z.Length - 8; i += 8)
            {
                var v = Vector512.LoadUnsafe(ref zr, (nuint)i);
                var cdf = half * (one + SpecialFunctions.ErfVector(v * scale));
                var pdf = SpecialFunctions.ExpNonPositive(minusHalf * v * v) * density;
                (Vector512.LoadUnsafe(ref dr, (nuint)i) * (cdf + v * pdf)).StoreUnsafe(ref dr, (nuint)i);
            }
        }

        if (SpecialFunctions.IsErfVectorized)
        {
            var half = Vector256.Create(0.5);
            var one = Vector256.Create(1.0);
            var minusHalf = Vector256.Create(-0.5);
            var scale = Vector256.Create(InverseSqrt2);
            var density = Vector256.Create(InverseSqrt2Pi);
            for (; i <= z.Length - 4; i += 4)
            {
                var v = Vector256.LoadUnsafe(ref zr, (nuint)i);
                var cdf = half * (one + SpecialFunctions.ErfVector(v * scale));
                var pdf = SpecialFunctions.ExpNonPositive(minusHalf * v * v) * density;
                (Vector256.LoadUnsafe(ref dr, (nuint)i) * (cdf + v * pdf)).StoreUnsafe(ref dr, (nuint)i);
            }
        }

        for (; i < z.Length; i++)
        {
            delta[i] *= GELUDerivative(z[i]);
        }
    }

    /// <summary>h = SiLU(z) = z·σ(z).</summary>
    public static void SiLU<T>(ReadOnlySpan<T> z, Span<T> h) where T : unmanaged, IFloatingPointIeee754<T>
    {
        SpanCheck.Same(z.Length, h.Length);
        for (int i = 0; i < z.Length; i++)
        {
            h[i] = SiLU(z[i]);
        }
    }

    /// <summary>delta ← delta·SiLU'(z), SiLU'(z) = σ(z)·(1 + z·(1 − σ(z))).</summary>
    public static void SiLUBackward<T>(ReadOnlySpan<T> z, Span<T> delta) where T : unmanaged, IFloatingPointIeee754<T>
    {
        SpanCheck.Same(z.Length, delta.Length);
        for (int i = 0; i < z.Length; i++)
        {
            delta[i] *= SiLUDerivative(z[i]);
        }
    }

    /// <summary>h = Softplus(z) = ln(1 + e^z), or z when z &gt; 20 (PyTorch's β = 1, threshold 20).</summary>
    public static void Softplus<T>(ReadOnlySpan<T> z, Span<T> h) where T : unmanaged, IFloatingPointIeee754<T>
    {
        SpanCheck.Same(z.Length, h.Length);
        for (int i = 0; i < z.Length; i++)
        {
            h[i] = Softplus(z[i]);
        }
    }

    /// <summary>delta ← delta·Softplus'(z), Softplus'(z) = σ(z), or 1 when z &gt; 20.</summary>
    public static void SoftplusBackward<T>(ReadOnlySpan<T> z, Span<T> delta) where T : unmanaged, IFloatingPointIeee754<T>
    {
        SpanCheck.Same(z.Length, delta.Length);
        for (int i = 0; i < z.Length; i++)
        {
            delta[i] *= SoftplusDerivative(z[i]);
        }
    }

    private const double InverseSqrt2 = 0.70710678118654752440;
    private const float InverseSqrt2Single = 0.70710678118654752440f;
    private const double InverseSqrt2Pi = 0.39894228040143267794;
    private const float InverseSqrt2PiSingle = 0.39894228040143267794f;
    private const double SoftplusThreshold = 20;

    /// <summary>GELU(z) = ½·z·(1 + erf(z/√2)) (PyTorch's exact form), computed in the network's type, as PyTorch does.</summary>
    public static T GELU<T>(T z) where T : IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            float f = float.CreateTruncating(z);
            return T.CreateTruncating(0.5f * f * (1f + SpecialFunctions.ErfSingle(f * InverseSqrt2Single)));
        }

        double v = double.CreateTruncating(z);
        return T.CreateTruncating(0.5 * v * (1 + SpecialFunctions.Erf(v * InverseSqrt2)));
    }

    /// <summary>GELU'(z) = Φ(z) + z·φ(z), Φ(z) = ½(1 + erf(z/√2)), φ(z) = e^(−z²/2)/√(2π), computed in the network's type.</summary>
    public static T GELUDerivative<T>(T z) where T : IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            float f = float.CreateTruncating(z);
            float cdfSingle = 0.5f * (1f + SpecialFunctions.ErfSingle(f * InverseSqrt2Single));
            float pdfSingle = SpecialFunctions.ExpNonPositiveSingle(-0.5f * f * f) * InverseSqrt2PiSingle;
            return T.CreateTruncating(cdfSingle + f * pdfSingle);
        }

        double v = double.CreateTruncating(z);
        double cdf = 0.5 * (1 + SpecialFunctions.Erf(v * InverseSqrt2));
        double pdf = SpecialFunctions.ExpNonPositive(-0.5 * v * v) * InverseSqrt2Pi;
        return T.CreateTruncating(cdf + v * pdf);
    }

    /// <summary>SiLU(z) = z·σ(z) = z / (1 + e^−z).</summary>
    public static T SiLU<T>(T z) where T : IFloatingPointIeee754<T> => z / (T.One + T.Exp(-z));

    /// <summary>SiLU'(z) = σ(z)·(1 + z·(1 − σ(z))).</summary>
    public static T SiLUDerivative<T>(T z) where T : IFloatingPointIeee754<T>
    {
        T sigmoid = T.One / (T.One + T.Exp(-z));
        return sigmoid * (T.One + z * (T.One - sigmoid));
    }

    /// <summary>Softplus(z) = ln(1 + e^z), or z itself when z &gt; 20; computed in double.</summary>
    public static T Softplus<T>(T z) where T : IFloatingPointIeee754<T>
    {
        double v = double.CreateTruncating(z);
        return v > SoftplusThreshold ? z : T.CreateTruncating(SpecialFunctions.Log1P(Math.Exp(v)));
    }

    /// <summary>Softplus'(z) = e^z/(e^z + 1) = σ(z), or 1 when z &gt; 20 (PyTorch's form).</summary>
    public static T SoftplusDerivative<T>(T z) where T : IFloatingPointIeee754<T>
    {
        double v = double.CreateTruncating(z);
        if (v > SoftplusThreshold)
        {
            return T.One;
        }

        double e = Math.Exp(v);
        return T.CreateTruncating(e / (e + 1));
    }
}
