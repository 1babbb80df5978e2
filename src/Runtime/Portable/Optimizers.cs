using System;
using System.ComponentModel;

namespace SkipNet.CompilerServices;

/// <summary>The update rules generated code calls directly.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Optimizers
{
    /// <summary>Plain SGD: p ← p − lr·g.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The learning rate is not a finite number ≥ 0.</exception>
    public static void Sgd<T>(Span<T> parameters, ReadOnlySpan<T> gradients, T learningRate)
        where T : unmanaged
    {
        Guard.LearningRate(learningRate, nameof(learningRate));
        Kernels.ScaleAdd(Real.From<T>(-Real.ToDouble(learningRate)), gradients, parameters);
    }
}
