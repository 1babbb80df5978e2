using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SkipNet.CompilerServices;

/// <summary>
/// The kernels' scratch arrays (packed panels, a product's second half, a convolution's columns and
/// packed weights): grown when a call needs more, then kept for the next call on the same thread or
/// object. The kernels write them through refs and pointers, which no bounds check covers. In a Debug
/// build (the one the tests run) each of them therefore carries a band of marker bytes after the
/// elements it was grown for, checked whenever it is handed out again: a kernel that writes past the
/// end of its scratch then fails the next call on that thread, naming the array, instead of silently
/// corrupting whatever object the heap placed after it.
/// </summary>
internal static class ScratchArrays
{
    /// <summary>The bytes of marker band after each scratch array's elements: 256 in Debug builds, none in Release builds.</summary>
#if DEBUG
    internal const int BandBytes = 256;
#else
    internal const int BandBytes = 0;
#endif

    /// <summary>
    /// <paramref name="buffer"/>, replaced by a new zeroed array first when it is null or holds fewer
    /// than <paramref name="length"/> elements. The caller may use its first <paramref name="length"/>
    /// elements; what lies past them is not the caller's, whatever the array's Length.
    /// </summary>
    /// <exception cref="InvalidOperationException">(Debug builds) A kernel wrote past the end of this array since it was last handed out.</exception>
    public static TValue[] Grow<TValue>(ref TValue[]? buffer, int length)
        where TValue : unmanaged
    {
        int band = BandBytes / Unsafe.SizeOf<TValue>();
        if (buffer is not null)
        {
            Check(buffer, band);
        }

        if (buffer is null || buffer.Length - band < length)
        {
            buffer = new TValue[length + band];
            MarkerBand.Mark<TValue>(buffer.AsSpan(length));
        }

        return buffer;
    }

    [Conditional("DEBUG")]
    private static void Check<TValue>(TValue[] buffer, int band)
        where TValue : unmanaged
    {
        int changed = MarkerBand.FirstChanged<TValue>(buffer.AsSpan(buffer.Length - band));
        if (changed >= 0)
        {
            throw new InvalidOperationException(
                $"A kernel wrote past the end of its scratch {typeof(TValue).Name}[{buffer.Length - band}]: byte {changed} of the marker band after it was changed.");
        }
    }
}

/// <summary>The marker bytes Debug builds put around the kernels' memory (<see cref="ScratchArrays"/>, <see cref="AlignedArray{T}"/>) and check before handing it out again.</summary>
internal static class MarkerBand
{
    private const byte Marker = 0xA5;

    /// <summary>Fills the band with the marker (Debug builds; in Release builds the call is left out).</summary>
    [Conditional("DEBUG")]
    public static void Mark<T>(Span<T> band)
        where T : unmanaged
        => MemoryMarshal.AsBytes(band).Fill(Marker);

    /// <summary>The index of the band's first byte that no longer holds the marker, or −1.</summary>
    public static int FirstChanged<T>(ReadOnlySpan<T> band)
        where T : unmanaged
        => MemoryMarshal.AsBytes(band).IndexOfAnyExcept(Marker);
}
