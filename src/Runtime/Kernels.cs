using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SkipNet;

/// <summary>
/// Matrix and vector kernels that looped networks call (matrices row-major, see
/// <see cref="ParameterBlock"/>). Every kernel accumulates into its destination (+=).
/// </summary>
public static class Kernels
{
    /// <summary>result += M·v, with M of shape result.Length × v.Length.</summary>
    /// <exception cref="ArgumentException">The lengths do not fit together.</exception>
    public static void MultiplyAdd<T>(ReadOnlySpan<T> matrix, ReadOnlySpan<T> vector, Span<T> result)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int cols = vector.Length;
        SpanCheck.Matrix(matrix.Length, result.Length, cols);
        for (int r = 0; r < result.Length; r++)
        {
            result[r] += Dot(matrix.Slice(r * cols, cols), vector);
        }
    }

    /// <summary>result += Mᵀ·v, with M of shape v.Length × result.Length.</summary>
    /// <exception cref="ArgumentException">The lengths do not fit together.</exception>
    public static void TransposeMultiplyAdd<T>(ReadOnlySpan<T> matrix, ReadOnlySpan<T> vector, Span<T> result)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int cols = result.Length;
        SpanCheck.Matrix(matrix.Length, vector.Length, cols);
        for (int r = 0; r < vector.Length; r++)
        {
            ScaleAdd(vector[r], matrix.Slice(r * cols, cols), result);
        }
    }

    /// <summary>M += u·vᵀ, with M of shape u.Length × v.Length.</summary>
    /// <exception cref="ArgumentException">The lengths do not fit together.</exception>
    public static void OuterAdd<T>(ReadOnlySpan<T> u, ReadOnlySpan<T> v, Span<T> matrix)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int cols = v.Length;
        SpanCheck.Matrix(matrix.Length, u.Length, cols);
        for (int r = 0; r < u.Length; r++)
        {
            ScaleAdd(u[r], v, matrix.Slice(r * cols, cols));
        }
    }

    /// <summary>destination += source.</summary>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static void Add<T>(ReadOnlySpan<T> source, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        SpanCheck.Same(source.Length, destination.Length);
        ScaleAdd(T.One, source, destination);
    }

    /// <summary>destination += factor·source.</summary>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static void ScaleAdd<T>(T factor, ReadOnlySpan<T> source, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        SpanCheck.Same(source.Length, destination.Length);
        int i = 0;
        if (Vector.IsHardwareAccelerated && source.Length >= Vector<T>.Count)
        {
            var f = new Vector<T>(factor);
            ref T s = ref MemoryMarshal.GetReference(source);
            ref T d = ref MemoryMarshal.GetReference(destination);
            for (; i <= source.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                ref T di = ref Unsafe.Add(ref d, i);
                (Vector.LoadUnsafe(ref di) + f * Vector.LoadUnsafe(ref Unsafe.Add(ref s, i))).StoreUnsafe(ref di);
            }
        }

        for (; i < source.Length; i++)
        {
            destination[i] += factor * source[i];
        }
    }

    /// <summary>Σ a[i]·b[i].</summary>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static T Dot<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        SpanCheck.Same(a.Length, b.Length);
        int i = 0;
        T sum = T.Zero;
        if (Vector.IsHardwareAccelerated && a.Length >= Vector<T>.Count)
        {
            var acc = Vector<T>.Zero;
            ref T pa = ref MemoryMarshal.GetReference(a);
            ref T pb = ref MemoryMarshal.GetReference(b);
            for (; i <= a.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                acc += Vector.LoadUnsafe(ref Unsafe.Add(ref pa, i)) * Vector.LoadUnsafe(ref Unsafe.Add(ref pb, i));
            }

            sum = Vector.Sum(acc);
        }

        for (; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }
}
