using System;
using System.Buffers;

namespace SkipNet.CompilerServices;

/// <summary>
/// A portable kernel's row or plane of double sums, rented from the shared pool for one call and
/// returned at its end (<c>using var scratch = new Scratch(n)</c>): no allocation once the pool holds
/// arrays of the size, and no thread-static state.
/// </summary>
internal readonly ref struct Scratch
{
    private readonly double[] _array;

    public Scratch(int length)
    {
        _array = ArrayPool<double>.Shared.Rent(length);
        Sums = _array.AsSpan(0, length);
    }

    /// <summary>The sums: whatever the pool's last user left in them.</summary>
    public Span<double> Sums { get; }

    public void Dispose() => ArrayPool<double>.Shared.Return(_array);
}
