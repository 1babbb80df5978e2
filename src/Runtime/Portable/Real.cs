using System;
using System.Runtime.CompilerServices;

namespace SkipNet.CompilerServices;

/// <summary>
/// netstandard2.1 has no generic math: the portable kernels read each float or double element as a
/// double, compute in double, and round once when they store. <see cref="ToDouble{T}"/> and
/// <see cref="From{T}"/> are those reads and stores; the type tests fold away in every runtime that
/// compiles the method for float and for double (the JIT, Mono's AOT, IL2CPP).
/// </summary>
internal static unsafe class Real
{
    /// <summary>The element as a double (exact for float and double).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double ToDouble<T>(T value) where T : unmanaged
    {
        if (typeof(T) == typeof(float))
        {
            return *(float*)&value;
        }

        if (typeof(T) == typeof(double))
        {
            return *(double*)&value;
        }

        throw NotReal<T>();
    }

    /// <summary>The double rounded to the element type (to nearest even for float).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T From<T>(double value) where T : unmanaged
    {
        T result = default;
        if (typeof(T) == typeof(float))
        {
            *(float*)&result = (float)value;
        }
        else if (typeof(T) == typeof(double))
        {
            *(double*)&result = value;
        }
        else
        {
            throw NotReal<T>();
        }

        return result;
    }

    private static NotSupportedException NotReal<T>() =>
        new($"SkipNet computes in float or double; {typeof(T).Name} is neither.");
}
