using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SkipNet.CompilerServices;

/// <summary>
/// Spans of float or double as lanes of double, for what is computed in double whatever the
/// network's type (the gradient norm): widening is exact, so the vector and scalar paths give the
/// same bits. No bounds checks: callers loop while index + lanes ≤ length.
/// </summary>
internal static class Lanes
{
    /// <summary>Four elements from <paramref name="index"/> as doubles (AVX).</summary>
    public static Vector256<double> Load4<T>(ReadOnlySpan<T> values, int index) where T : unmanaged, IFloatingPointIeee754<T>
        => typeof(T) == typeof(double)
            ? Vector256.LoadUnsafe(ref Unsafe.As<T, double>(ref MemoryMarshal.GetReference(values)), (nuint)index)
            : Avx.ConvertToVector256Double(Vector128.LoadUnsafe(ref Unsafe.As<T, float>(ref MemoryMarshal.GetReference(values)), (nuint)index));
}
