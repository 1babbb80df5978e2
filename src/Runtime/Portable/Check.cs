using System;
using SkipNet.CompilerServices;

namespace SkipNet;

/// <summary>The optimizers' checks of their settings (netstandard2.1: through double).</summary>
internal static class Check
{
    public static void Positive<T>(T value, string name) where T : unmanaged
    {
        double v = Real.ToDouble(value);
        if (!(v > 0) || double.IsInfinity(v))
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be a finite number > 0; it is {value}.");
        }
    }

    public static void NonNegative<T>(T value, string name) where T : unmanaged
    {
        double v = Real.ToDouble(value);
        if (!(v >= 0) || double.IsInfinity(v))
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be a finite number ≥ 0; it is {value}.");
        }
    }

    public static void Beta<T>(T value, string name) where T : unmanaged
    {
        double v = Real.ToDouble(value);
        if (!(v >= 0 && v < 1))
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be in [0, 1); it is {value}.");
        }
    }
}
