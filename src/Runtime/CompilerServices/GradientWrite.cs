using System.ComponentModel;
using System.Numerics;

namespace SkipNet.CompilerServices;

/// <summary>
/// How a gradient kernel (<see cref="Kernels.WeightGradient{T}"/>, <see cref="Kernels.BiasGradient{T}"/>)
/// stores what it computes: added to the gradient already there, or written over it; and whether
/// the SGD step on the matching parameters follows at once. <c>Backward</c> accumulates. A looped
/// network's <c>TrainStep</c> overwrites with its first chunk of samples and steps with its last,
/// so each block's gradient is written once and its update happens while the block is in cache,
/// with the same results as <c>ZeroGradients</c>, <c>Backward</c> and <c>Step</c> one after another.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct GradientWrite<T>
#if NET
    where T : unmanaged, IFloatingPointIeee754<T>
#else
    where T : unmanaged
#endif
{
    private GradientWrite(bool overwrite, bool step, T learningRate)
    {
        Overwrite = overwrite;
        Step = step;
        LearningRate = learningRate;
    }

    /// <summary>gradient += the new terms; no step.</summary>
    public static GradientWrite<T> Accumulate => default;

    /// <summary>The gradient is written over (not added to); no step (an optimizer's update follows).</summary>
    public static GradientWrite<T> OverwriteOnly => new(overwrite: true, step: false, default);

    /// <summary>A whole training step: the gradient is written over (not added to), then p ← p − learningRate·gradient.</summary>
    /// <exception cref="System.ArgumentOutOfRangeException">The learning rate is negative, infinite or NaN.</exception>
    public static GradientWrite<T> TrainStep(T learningRate)
    {
        Guard.LearningRate(learningRate, nameof(learningRate));
        return new(overwrite: true, step: true, learningRate);
    }

    /// <summary>Whether the gradient is written over rather than added to.</summary>
    public bool Overwrite { get; }

    /// <summary>Whether the SGD step follows once the gradient is stored.</summary>
    public bool Step { get; }

    /// <summary>The learning rate of that step.</summary>
    public T LearningRate { get; }

    /// <summary>
    /// This write for one chunk of a batch that is processed in several: only the first chunk may
    /// overwrite, and only the last may step (once the gradient holds every sample).
    /// </summary>
    public GradientWrite<T> ForChunk(bool first, bool last) => new(Overwrite && first, Step && last, LearningRate);
}
