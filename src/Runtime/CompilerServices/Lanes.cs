using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SkipNet.CompilerServices;

/// <summary>
/// Spans of float or double as lanes of double, for what is computed in double (GELU in double networks, the gradient norm): widening is
/// exact, and narrowing rounds to nearest, as <c>T.CreateTruncating</c> does, so the vector and
/// scalar paths give the same bits. No bounds checks: callers loop while index + lanes ≤ length.
/// </summary>
internal static class Lanes
{
    /// <summary>Eight elements from <paramref name="index"/> as doubles (AVX-512).</summary>
    public static Vector512<double> Load8<T>(ReadOnlySpan<T> values, int index) where T : unmanaged, IFloatingPointIeee754<T>
        => typeof(T) == typeof(double)
            ? Vector512.LoadUnsafe(ref Unsafe.As<T, double>(ref MemoryMarshal.GetReference(values)), (nuint)index)
            : Avx512F.ConvertToVector512Double(Vector256.LoadUnsafe(ref Unsafe.As<T, float>(ref MemoryMarshal.GetReference(values)), (nuint)index));

    /// <summary>Four elements from <paramref name="index"/> as doubles (AVX).</summary>
    public static Vector256<double> Load4<T>(ReadOnlySpan<T> values, int index) where T : unmanaged, IFloatingPointIeee754<T>
        => typeof(T) == typeof(double)
            ? Vector256.LoadUnsafe(ref Unsafe.As<T, double>(ref MemoryMarshal.GetReference(values)), (nuint)index)
            : Avx.ConvertToVector256Double(Vector128.LoadUnsafe(ref Unsafe.As<T, float>(ref MemoryMarshal.GetReference(values)), (nuint)index));

    /// <summary>Writes eight doubles, rounded to T, from <paramref name="index"/>.</summary>
    public static void Store<T>(Vector512<double> lanes, Span<T> values, int index) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(double))
        {
            lanes.StoreUnsafe(ref Unsafe.As<T, double>(ref MemoryMarshal.GetReference(values)), (nuint)index);
        }
        else
        {
            Avx512F.ConvertToVector256Single(lanes).StoreUnsafe(ref Unsafe.As<T, float>(ref MemoryMarshal.GetReference(values)), (nuint)index);
        }
    }

    /// <summary>Writes four doubles, rounded to T, from <paramref name="index"/>.</summary>
    public static void Store<T>(Vector256<double> lanes, Span<T> values, int index) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(double))
        {
            lanes.StoreUnsafe(ref Unsafe.As<T, double>(ref MemoryMarshal.GetReference(values)), (nuint)index);
        }
        else
        {
            Avx.ConvertToVector128Single(lanes).StoreUnsafe(ref Unsafe.As<T, float>(ref MemoryMarshal.GetReference(values)), (nuint)index);
        }
    }

    /// <summary>values[index…] ·= factors rounded to T, multiplied in T (as <c>values[i] *= T.CreateTruncating(factor)</c>).</summary>
    public static void MultiplyInto<T>(Vector512<double> factors, Span<T> values, int index) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(double))
        {
            ref double start = ref Unsafe.As<T, double>(ref MemoryMarshal.GetReference(values));
            (Vector512.LoadUnsafe(ref start, (nuint)index) * factors).StoreUnsafe(ref start, (nuint)index);
        }
        else
        {
            ref float start = ref Unsafe.As<T, float>(ref MemoryMarshal.GetReference(values));
            (Vector256.LoadUnsafe(ref start, (nuint)index) * Avx512F.ConvertToVector256Single(factors)).StoreUnsafe(ref start, (nuint)index);
        }
    }

    /// <summary>The four-lane <see cref="MultiplyInto{T}(Vector512{double}, Span{T}, int)"/>.</summary>
    public static void MultiplyInto<T>(Vector256<double> factors, Span<T> values, int index) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(double))
        {
            ref double start = ref Unsafe.As<T, double>(ref MemoryMarshal.GetReference(values));
            (Vector256.LoadUnsafe(ref start, (nuint)index) * factors).StoreUnsafe(ref start, (nuint)index);
        }
        else
        {
            ref float start = ref Unsafe.As<T, float>(ref MemoryMarshal.GetReference(values));
            (Vector128.LoadUnsafe(ref start, (nuint)index) * Avx.ConvertToVector128Single(factors)).StoreUnsafe(ref start, (nuint)index);
        }
    }
}
