using System;
using System.ComponentModel;
using System.Numerics;

namespace SkipNet.CompilerServices;

/// <summary>Parameter updates the generated <c>Step</c> calls.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Optimizers
{
    /// <summary>Plain gradient descent: p ← p − learningRate·g.</summary>
    /// <exception cref="ArgumentException">The spans have different lengths; nothing is changed.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The learning rate is negative, infinite or NaN; nothing is changed.</exception>
    public static void Sgd<T>(Span<T> parameters, ReadOnlySpan<T> gradients, T learningRate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Guard.LearningRate(learningRate, nameof(learningRate));
        Kernels.ScaleAdd(-learningRate, gradients, parameters);
    }
}
