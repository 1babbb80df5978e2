using System;
using System.Numerics;

namespace SkipNet;

/// <summary>Argument checks shared by the optimizers, schedules and the trainer: ArgumentOutOfRangeException naming the setting and its value.</summary>
internal static class Check
{
    public static void Positive<T>(T value, string name) where T : IFloatingPointIeee754<T>
    {
        if (!(value > T.Zero) || T.IsInfinity(value))
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be a finite number > 0; it is {value}.");
        }
    }

    public static void NonNegative<T>(T value, string name) where T : IFloatingPointIeee754<T>
    {
        if (!(value >= T.Zero) || T.IsInfinity(value))
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be a finite number ≥ 0; it is {value}.");
        }
    }

    /// <summary>In [0, 1): Adam's β1 and β2.</summary>
    public static void Beta<T>(T value, string name) where T : IFloatingPointIeee754<T>
    {
        if (!(value >= T.Zero && value < T.One))
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be in [0, 1); it is {value}.");
        }
    }
}
