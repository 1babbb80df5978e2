using System;
using System.ComponentModel;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SkipNet.CompilerServices;

/// <summary>
/// A fixed-length array of <typeparamref name="T"/> whose first element sits on a 64-byte boundary
/// (a cache line), where it stays: the storage is pinned. The generated networks keep their
/// parameters and gradients in these, so that a weight row whose width is a multiple of 64 bytes
/// starts on a cache line and no 512-bit load or store of it straddles two lines.
/// </summary>
/// <remarks>
/// On one 128×128 layer of one sample (dH, dW and the SGD step), aligned storage took about two
/// thirds of the time of plain arrays at their own offsets (docs/performance.md, "Alignment").
/// Element values do not depend on the alignment. A <c>default</c> instance is empty. In a Debug
/// build (the one the tests run) the elements sit between two bands of marker bytes, checked each
/// time <see cref="Span"/> or <see cref="Slice"/> hands them out: a kernel that wrote outside them
/// (through a ref or a pointer, where no bounds check reaches) fails there.
/// </remarks>
/// <typeparam name="T">The element type.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct AlignedArray<T> where T : unmanaged
{
    /// <summary>The boundary, in bytes, on which the first element sits.</summary>
    public const int Alignment = 64;

    private readonly T[]? _array;
    private readonly int _origin;

    /// <summary>Allocates <paramref name="length"/> zeroed elements, the first on a 64-byte boundary.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative.</exception>
    public AlignedArray(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        int size = Unsafe.SizeOf<T>();
        int slack = (Alignment + size - 1) / size;
        // The band before (none in Release builds) is a whole number of cache lines, so the element
        // after it sits at the same offset within a line as the array's first: the elements still
        // start on a line.
        int band = BandBytes / size;
        _array = GC.AllocateArray<T>(band + slack + length + band, pinned: true);
        _origin = band + Origin(_array, size);
        MarkerBand.Mark<T>(_array.AsSpan(0, _origin));
        MarkerBand.Mark<T>(_array.AsSpan(_origin + length));
        Length = length;
    }

    /// <summary>The number of elements.</summary>
    public int Length { get; }

    /// <summary>All the elements.</summary>
    public Span<T> Span
    {
        get
        {
            CheckBands();
            return new(_array, _origin, Length);
        }
    }

    /// <summary>The <paramref name="length"/> elements from <paramref name="start"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range does not lie within the array.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<T> Slice(int start, int length)
    {
        // One range check against Length (the generated networks slice parameters and workspaces
        // this way in every step, so the call is kept small enough to inline).
        if ((ulong)(uint)start + (uint)length > (uint)Length)
        {
            ThrowOutOfRange(start, length);
        }

        CheckBands();
        return _array is null ? default : MemoryMarshal.CreateSpan(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_array), _origin + start), length);
    }

    /// <summary>The bytes of marker band on each side of the elements, beyond the alignment's slack: a whole number of cache lines in Debug builds, none in Release builds.</summary>
#if DEBUG
    internal const int BandBytes = 64;
#else
    internal const int BandBytes = 0;
#endif

    /// <summary>Debug builds: throws if anything was written outside the elements since they were allocated. Release builds: nothing.</summary>
    [Conditional("DEBUG")]
    private void CheckBands()
    {
        if (_array is null)
        {
            return;
        }

        int before = MarkerBand.FirstChanged<T>(_array.AsSpan(0, _origin));
        int after = MarkerBand.FirstChanged<T>(_array.AsSpan(_origin + Length));
        if (before >= 0 || after >= 0)
        {
            string where = before >= 0 ? $"byte {before} of the band before its elements" : $"byte {after} of the band after them";
            throw new InvalidOperationException($"Something wrote outside an aligned {typeof(T).Name}[{Length}]: {where} was changed.");
        }
    }

    [DoesNotReturn]
    private void ThrowOutOfRange(int start, int length)
        => throw new ArgumentOutOfRangeException(nameof(start), $"The range [{start}, {start}+{length}) does not lie within the {Length} elements.");

    /// <summary>A new aligned array with the same elements.</summary>
    public AlignedArray<T> Clone()
    {
        var copy = new AlignedArray<T>(Length);
        Span.CopyTo(copy.Span);
        return copy;
    }

    /// <summary>The index of the first element on a 64-byte boundary (arrays of unmanaged elements start at least 8-byte aligned).</summary>
    private static unsafe int Origin(T[] array, int size)
    {
        nuint address = (nuint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array)); // pinned: it never moves
        int offset = (int)((Alignment - address % Alignment) % Alignment);
        return (offset + size - 1) / size;
    }
}
