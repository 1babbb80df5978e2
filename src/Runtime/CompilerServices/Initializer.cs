using System;
using System.ComponentModel;
using System.Numerics;

namespace SkipNet.CompilerServices;

/// <summary>
/// Deterministic weight initialization. Both rules draw uniformly; biases start at 0.
/// Values are drawn in double and rounded to T, so a float and a double network built from the
/// same seed start from the same (rounded) weights.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Initializer
{
    /// <summary>He (Kaiming) uniform, for ReLU and LeakyReLU layers: U(−√(6/fanIn), √(6/fanIn)).</summary>
    public static void He<T>(Span<T> block, int fanIn, ref SplitMix64 random)
#if NET
        where T : unmanaged, IFloatingPointIeee754<T>
#else
        where T : unmanaged
#endif
        => Uniform(block, Math.Sqrt(6.0 / fanIn), ref random);

    /// <summary>Glorot (Xavier) uniform, for every other layer: U(−√(6/(fanIn+fanOut)), √(6/(fanIn+fanOut))).</summary>
    public static void Glorot<T>(Span<T> block, int fanIn, int fanOut, ref SplitMix64 random)
#if NET
        where T : unmanaged, IFloatingPointIeee754<T>
#else
        where T : unmanaged
#endif
        => Uniform(block, Math.Sqrt(6.0 / (fanIn + fanOut)), ref random);

    private static void Uniform<T>(Span<T> block, double limit, ref SplitMix64 random)
#if NET
        where T : unmanaged, IFloatingPointIeee754<T>
#else
        where T : unmanaged
#endif
    {
        for (int i = 0; i < block.Length; i++)
        {
            #if NET
            block[i] = T.CreateChecked((2.0 * random.NextDouble() - 1.0) * limit);
#else
            block[i] = Real.From<T>((2.0 * random.NextDouble() - 1.0) * limit);
#endif
        }
    }
}
