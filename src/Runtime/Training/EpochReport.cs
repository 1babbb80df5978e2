using System;
using System.Collections.Generic;

namespace SkipNet;

/// <summary>One epoch of <see cref="Trainer{T}.Fit"/>.</summary>
/// <param name="Epoch">1 for the first.</param>
/// <param name="TrainingLoss">The mean of the batches' losses (each measured before its step), weighted by their sizes.</param>
/// <param name="TrainingAccuracy">The batches' accuracy before their steps, when <see cref="Trainer{T}.MeasureTrainingAccuracy"/> is set and the set has labels.</param>
/// <param name="ValidationLoss">The loss on the validation set after the epoch, if there is one.</param>
/// <param name="ValidationAccuracy">The accuracy on the validation set, if it has labels.</param>
/// <param name="LearningRate">The rate the epoch trained with.</param>
/// <param name="TrainingTime">The time spent in the epoch's batches: gathering them and the training steps, not the validation.</param>
/// <param name="Elapsed">The whole epoch, validation included.</param>
public sealed record EpochReport(int Epoch, double TrainingLoss, double? TrainingAccuracy, double? ValidationLoss, double? ValidationAccuracy, double LearningRate, TimeSpan TrainingTime, TimeSpan Elapsed);

/// <summary>
/// Reports each epoch on the training thread, as it ends, before the next one starts: what a console
/// program wants from <see cref="Trainer{T}.Fit"/>'s progress. (<see cref="Progress{T}"/> posts its
/// callback to the thread pool when there is no synchronization context, as in a console program,
/// so its lines may come late or, at exit, never.)
/// </summary>
/// <param name="report">Called with each epoch's report.</param>
public sealed class EpochProgress(Action<EpochReport> report) : IProgress<EpochReport>
{
    private readonly Action<EpochReport> _report = report ?? throw new ArgumentNullException(nameof(report));

    /// <inheritdoc />
    public void Report(EpochReport value) => _report(value);
}

/// <summary>What <see cref="Trainer{T}.Fit"/> did.</summary>
/// <param name="Epochs">One report per epoch run.</param>
/// <param name="BestEpoch">The epoch with the lowest validation loss (training loss without a validation set).</param>
/// <param name="StoppedEarly">Training stopped because the loss had not improved for <see cref="Trainer{T}.Patience"/> epochs.</param>
/// <param name="RestoredBest">The network was set back to the weights of <paramref name="BestEpoch"/>.</param>
public sealed record TrainingHistory(IReadOnlyList<EpochReport> Epochs, int BestEpoch, bool StoppedEarly, bool RestoredBest)
{
    /// <summary>The time spent training, validation excluded, over all epochs.</summary>
    public TimeSpan TrainingTime
    {
        get
        {
            var total = TimeSpan.Zero;
            foreach (var e in Epochs)
            {
                total += e.TrainingTime;
            }

            return total;
        }
    }
}
