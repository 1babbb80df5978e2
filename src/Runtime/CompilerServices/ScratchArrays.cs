using System;
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
    /// <summary>Whether scratch arrays carry a checked marker band (Debug builds).</summary>
#if DEBUG
    internal const bool Banded = true;

    /// <summary>The bytes of marker band after each scratch array's elements.</summary>
    internal const int BandBytes = 256;

    private const byte Marker = 0xA5;
#else
    internal const bool Banded = false;
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
#if DEBUG
        int band = BandBytes / Marshal.SizeOf<TValue>();
        if (buffer is not null)
        {
            Check(buffer, band);
        }

        if (buffer is null || buffer.Length - band < length)
        {
            buffer = new TValue[length + band];
            MemoryMarshal.AsBytes(buffer.AsSpan(length)).Fill(Marker);
        }
#else
        if (buffer is null || buffer.Length < length)
        {
            buffer = new TValue[length];
        }
#endif
        return buffer;
    }

#if DEBUG
    private static void Check<TValue>(TValue[] buffer, int band)
        where TValue : unmanaged
    {
        var bytes = MemoryMarshal.AsBytes(buffer.AsSpan(buffer.Length - band));
        int changed = bytes.IndexOfAnyExcept(Marker);
        if (changed >= 0)
        {
            throw new InvalidOperationException(
                $"A kernel wrote past the end of its scratch {typeof(TValue).Name}[{buffer.Length - band}]: byte {changed} of the marker band after it was changed.");
        }
    }
#endif
}
