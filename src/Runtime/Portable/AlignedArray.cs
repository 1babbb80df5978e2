using System;
using System.ComponentModel;

namespace SkipNet.CompilerServices;

/// <summary>
/// A generated network's storage for parameters, gradients and workspaces. On netstandard2.1 it is a
/// plain array (no pinned heap there, and the portable kernels do not need the .NET 8 build's 64-byte
/// boundary); the members are those of the .NET 8 build.
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct AlignedArray<T> where T : unmanaged
{
    private readonly T[]? _array;

    /// <summary>Allocates <paramref name="length"/> zeroed elements.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative.</exception>
    public AlignedArray(int length)
    {
        if (length < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, "The length must be ≥ 0.");
        }

        _array = new T[length];
    }

    /// <summary>The number of elements.</summary>
    public int Length => _array?.Length ?? 0;

    /// <summary>All the elements.</summary>
    public Span<T> Span => _array;

    /// <summary>The <paramref name="length"/> elements from <paramref name="start"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range does not lie within the array.</exception>
    public Span<T> Slice(int start, int length)
    {
        if ((ulong)(uint)start + (uint)length > (uint)Length)
        {
            throw new ArgumentOutOfRangeException(nameof(start), $"The range [{start}, {start}+{length}) does not lie within the {Length} elements.");
        }

        return _array is null ? default : new Span<T>(_array, start, length);
    }

    /// <summary>A new array with the same elements.</summary>
    public AlignedArray<T> Clone()
    {
        var copy = new AlignedArray<T>(Length);
        Span.CopyTo(copy.Span);
        return copy;
    }
}
