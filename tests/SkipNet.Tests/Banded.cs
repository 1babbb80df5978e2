using System.Numerics;
using System.Runtime.InteropServices;

namespace SkipNet.Tests;

/// <summary>
/// A span inside a larger array, after <see cref="Band"/> + offset elements (so its alignment varies
/// with the offset), every other element of which holds a marker: a test hands the span to the
/// kernels or a network, then checks that nothing outside it was written. The marker is a signalling
/// NaN, which no computation produces and any arithmetic on it changes (into a quiet NaN), so a
/// stray store and a stray += both show. Shared by the runtime's and the generator's tests.
/// </summary>
internal sealed class Banded<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public const int Band = 67;

    private static readonly T Marker = typeof(T) == typeof(float)
        ? (T)(object)BitConverter.Int32BitsToSingle(0x7FA5_1DE5)
        : (T)(object)BitConverter.Int64BitsToDouble(0x7FF5_A5A5_1DE5_0001);

    private readonly T[] _all;
    private readonly T[] _values;
    private readonly int _start;

    /// <summary>A span of <paramref name="length"/> zeros.</summary>
    public Banded(int length, int offset)
        : this(new T[length], offset)
    {
    }

    /// <summary>A span holding a copy of <paramref name="values"/>.</summary>
    public Banded(T[] values, int offset)
    {
        (_values, _start) = (values, Band + offset);
        _all = new T[_start + values.Length + Band];
        _all.AsSpan().Fill(Marker);
        values.CopyTo(_all, _start);
    }

    public Span<T> Span => _all.AsSpan(_start, _values.Length);

    /// <summary>Throws if an element outside the span changed, or, with <paramref name="unchanged"/>, one inside it (an input).</summary>
    public void ShouldBeIntact(string what, bool unchanged = false)
    {
        for (int i = 0; i < _all.Length; i++)
        {
            bool inside = i >= _start && i < _start + _values.Length;
            if (!inside && !Same(_all[i], Marker))
            {
                throw new ShouldAssertException($"{what}: element {i - _start} of the span (outside it) was written: {_all[i]}.");
            }

            if (inside && unchanged && !Same(_all[i], _values[i - _start]))
            {
                throw new ShouldAssertException($"{what}: element {i - _start}, an input, was changed from {_values[i - _start]} to {_all[i]}.");
            }
        }
    }

    private static bool Same(T a, T b) => MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in a)).SequenceEqual(MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in b)));
}
