using System;
using System.ComponentModel;
using System.Threading;

namespace SkipNet.CompilerServices;

/// <summary>
/// Keeps the training calls of one network from overlapping. A generated network holds one and
/// takes it in every call that changes the parameters or the gradients (Backward, Step, TrainStep,
/// ZeroGradients, Initialize) or copies them (Clone): a second such call while the first runs, from
/// another thread, throws <see cref="InvalidOperationException"/> instead of mixing the two calls'
/// numbers. Forward and Evaluate do not take it: they may run on any number of threads at once.
/// </summary>
/// <remarks>Taking it is one atomic exchange; releasing it, one volatile write.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public struct TrainingGuard
{
    private int _busy;

    /// <summary>Takes the guard.</summary>
    /// <exception cref="InvalidOperationException">Another call holds it; nothing was changed.</exception>
    public void Enter()
    {
        if (Interlocked.Exchange(ref _busy, 1) != 0)
        {
            throw new InvalidOperationException(
                "Another training call (Backward, Step, TrainStep, ZeroGradients, Initialize or Clone) is running on this network on another thread. " +
                "Training calls on one instance must not overlap: train one instance from one thread at a time, or give each thread its own Clone(). " +
                "Forward and Evaluate may run on many threads at once.");
        }
    }

    /// <summary>Releases the guard.</summary>
    public void Exit() => Volatile.Write(ref _busy, 0);
}
