using System;
using System.Collections.Generic;
using System.Numerics;

namespace SkipNet;

/// <summary>
/// What every generated network offers, for code that works with any of them (tests, tools,
/// gradient checks). Calls through the interface are virtual; call the generated class directly
/// on a hot path.
/// </summary>
/// <remarks>
/// Threads: <see cref="Forward"/> and <see cref="Evaluate"/> may run on any number of threads at
/// once on one instance, each computing in buffers of its own. The training calls
/// (<see cref="Backward"/>, <c>Step</c>, <c>TrainStep</c>, <see cref="ZeroGradients"/>, an optimizer's step)
/// run one at a time per instance: one that overlaps another, from a different thread, throws
/// <see cref="InvalidOperationException"/> and changes nothing. A Forward that overlaps a training
/// call reads parameters being updated; to train while serving, train a copy (the generated
/// <c>Clone()</c>) and swap it in.
/// </remarks>
/// <typeparam name="T"><see cref="double"/> or <see cref="float"/>, per <see cref="ResidualAttribute.Precision"/>.</typeparam>
public interface IResidualNetwork<T>
#if NET
    where T : unmanaged, IFloatingPointIeee754<T>
#else
    where T : unmanaged // float or double; netstandard2.1 has no generic math to say so
#endif
{
    /// <summary>Width of one input sample.</summary>
    int InputSize { get; }

    /// <summary>Width of one output sample.</summary>
    int OutputSize { get; }

    /// <summary>Total number of parameters.</summary>
    int ParameterCount { get; }

    /// <summary>The blocks of the parameter vector, in layout order.</summary>
    IReadOnlyList<ParameterBlock> Blocks { get; }

    /// <summary>The network's declaration as data (layers, skips, loss, blocks).</summary>
    NetworkArchitecture Architecture { get; }

    /// <summary>The parameter vector (writable), in the layout of <see cref="Blocks"/>.</summary>
    Span<T> Parameters { get; }

    /// <summary>The accumulated gradient vector, in the layout of <see cref="Blocks"/>.</summary>
    ReadOnlySpan<T> Gradients { get; }

    /// <summary>
    /// The state of the network's own random generator, which draws the dropout masks of its training
    /// calls (SplitMix64, started from the constructor's seed). Saving it and setting it back repeats
    /// the same masks; checkpoints save it. A network without a Dropout layer never draws from it.
    /// </summary>
    /// <exception cref="InvalidOperationException">Set while a training call is running; nothing is changed.</exception>
    ulong RandomState { get; set; }

    /// <summary>
    /// The running statistics of the BatchNorm layers (writable), in the layout of
    /// <see cref="NetworkArchitecture.Buffers"/>: training calls update them, Forward and Evaluate read
    /// them. Empty for a network without BatchNorm.
    /// </summary>
    Span<T> Buffers { get; }

    /// <summary>How many training calls each BatchNorm layer has seen (PyTorch's num_batches_tracked), in the order of <see cref="NetworkArchitecture.BatchNormLayers"/>.</summary>
    Span<long> BatchesTracked { get; }

    /// <summary>Runs the network on k samples: x has k·InputSize elements, output k·OutputSize.</summary>
    void Forward(ReadOnlySpan<T> x, Span<T> output);

    /// <summary>Adds dL/dp for k samples to the gradients and returns the mean loss.</summary>
    T Backward(ReadOnlySpan<T> x, ReadOnlySpan<T> y);

    /// <summary>Returns the mean loss on k samples without touching the gradients.</summary>
    T Evaluate(ReadOnlySpan<T> x, ReadOnlySpan<T> y);

    /// <summary>Writes dL/dx for k samples into <paramref name="inputGradient"/> (k·InputSize values) and returns the loss, as Evaluate does (eval mode); parameters and gradients are only read. Safe on many threads at once.</summary>
    T InputGradient(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> inputGradient);

    /// <summary>Sets every gradient to zero.</summary>
    void ZeroGradients();

    /// <summary>Plain gradient descent: p ← p − learningRate·g.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The learning rate is negative, infinite or NaN; nothing is changed.</exception>
    void Step(T learningRate);

    /// <summary>Zeroes the gradients, accumulates them on k samples, takes one SGD step; returns the mean loss before the step.</summary>
    T TrainStep(ReadOnlySpan<T> x, ReadOnlySpan<T> y, T learningRate);

    /// <summary>The optimizer's update, from the gradients (what <see cref="Optimizer{T}.Step"/> calls).</summary>
    /// <exception cref="ArgumentException">The optimizer was made for another network.</exception>
    void Step(Optimizer<T> optimizer);

    /// <summary>Writes this batch's gradients, then takes the optimizer's step; returns the mean loss before the step.</summary>
    /// <exception cref="ArgumentException">A length does not fit, or the optimizer was made for another network.</exception>
    T TrainStep(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Optimizer<T> optimizer);
}
