using System;

namespace SkipNet.CompilerServices;

/// <summary>The portable kernels' double sums for the calling thread, kept between calls (allocated once per thread and size).</summary>
internal static class Scratch
{
    [ThreadStatic]
    private static double[]? _doubles;

    /// <summary><paramref name="length"/> doubles of the calling thread's, holding whatever the last call left.</summary>
    public static Span<double> Doubles(int length)
    {
        if (_doubles is null || _doubles.Length < length)
        {
            _doubles = new double[length];
        }

        return _doubles.AsSpan(0, length);
    }
}
