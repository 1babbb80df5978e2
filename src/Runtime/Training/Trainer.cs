using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Numerics;
using System.Threading;

namespace SkipNet;

/// <summary>
/// A training loop as Keras' <c>fit</c> runs one: epochs of mini-batches (the last one partial) in
/// an order shuffled from <see cref="Seed"/>, the optimizer's step on each, an optional validation
/// set, per-epoch loss and accuracy, a learning-rate schedule stepped after each epoch, and early
/// stopping that restores the best weights. The same seed gives the same weights, bit for bit.
/// After its set-up (buffers sized to the batch and the data), it allocates nothing per batch.
/// </summary>
/// <typeparam name="T">The network's element type.</typeparam>
public sealed partial class Trainer<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates a trainer for <paramref name="network"/> with <paramref name="optimizer"/> (made for that network).</summary>
    /// <exception cref="ArgumentException">The optimizer was made for another network.</exception>
    /// <exception cref="ArgumentOutOfRangeException">batchSize &lt; 1.</exception>
    public Trainer(IResidualNetwork<T> network, Optimizer<T> optimizer, int batchSize = 32)
    {
        ArgumentNullException.ThrowIfNull(network);
        Guard.Optimizer(optimizer, network, nameof(optimizer));
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        Network = network;
        Optimizer = optimizer;
        BatchSize = batchSize;
    }

    /// <summary>The network trained.</summary>
    public IResidualNetwork<T> Network { get; }

    /// <summary>The optimizer that takes each step.</summary>
    public Optimizer<T> Optimizer { get; }

    /// <summary>Samples per step; the last batch of an epoch holds the rest.</summary>
    public int BatchSize { get; }

    /// <summary>The seed of the shuffling (the default is 0).</summary>
    public int Seed { get; init; }

    /// <summary>Whether each epoch visits the samples in a new random order (the default), or in order.</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>A schedule of the optimizer's rate, stepped after each epoch.</summary>
    /// <exception cref="ArgumentException">Set to a schedule of another optimizer (it would never set this one's rate).</exception>
    public LearningRateSchedule<T>? Schedule
    {
        get => _schedule;
        init
        {
            if (value is not null && !ReferenceEquals(value.Optimizer, Optimizer))
            {
                throw new ArgumentException("The schedule sets the rate of another optimizer, so it would never change this trainer's: make it with the trainer's optimizer.", nameof(Schedule));
            }

            _schedule = value;
        }
    }

    private readonly LearningRateSchedule<T>? _schedule;

    /// <summary>Stop after this many epochs without improvement of the validation loss (the training loss without a validation set); null: never. 0 stops at the first epoch that does not improve.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Set below 0.</exception>
    public int? Patience
    {
        get => _patience;
        init
        {
            if (value is < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(Patience), value, "Patience must be 0 or more epochs, or null for no early stopping.");
            }

            _patience = value;
        }
    }

    private readonly int? _patience;

    /// <summary>The least decrease of the loss that counts as an improvement (Keras' min_delta): a finite number ≥ 0, 0 by default.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Set to a negative, infinite or NaN value.</exception>
    public double MinimumImprovement
    {
        get => _minimumImprovement;
        init
        {
            Check.NonNegative(value, nameof(MinimumImprovement));
            _minimumImprovement = value;
        }
    }

    private readonly double _minimumImprovement;

    /// <summary>With <see cref="Patience"/> set, end with the weights of the best epoch (the default), as Keras' restore_best_weights.</summary>
    public bool RestoreBestWeights { get; init; } = true;

    /// <summary>The most threads each matrix product of this trainer's steps may use (overrides <see cref="Parallelism.MaxDegreeOfParallelism"/> on the training thread); null: the global setting.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Set below 1.</exception>
    public int? MaxDegreeOfParallelism
    {
        get => _maxDegree;
        init
        {
            if (value is < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "MaxDegreeOfParallelism must be at least 1, or null for the global setting.");
            }

            _maxDegree = value;
        }
    }

    private readonly int? _maxDegree;

    /// <summary>Measure each training batch's accuracy before its step (one more forward pass per batch; labels only).</summary>
    public bool MeasureTrainingAccuracy { get; init; }

    /// <summary>Trains for up to <paramref name="epochs"/> epochs.</summary>
    /// <param name="training">The samples to train on.</param>
    /// <param name="epochs">The number of epochs (fewer with early stopping).</param>
    /// <param name="validation">Samples to measure after each epoch (not trained on).</param>
    /// <param name="progress">Told after each epoch, on the training thread.</param>
    /// <param name="cancellationToken">Checked between batches.</param>
    /// <exception cref="ArgumentException">A set does not fit the network, or (for a network with BatchNorm) its last batch would hold 1 sample.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; the network keeps the weights of its last step.</exception>
    public TrainingHistory Fit(TrainingSet<T> training, int epochs, TrainingSet<T>? validation = null, IProgress<EpochReport>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(training);
        ArgumentOutOfRangeException.ThrowIfLessThan(epochs, 1);
        int samples = training.Samples(Network, nameof(training));
        int validationSamples = validation?.Samples(Network, nameof(validation)) ?? 0;
        var state = _resumed ?? FitState.Start(samples, Seed, Patience is null ? 0 : Network.ParameterCount);
        if (state.Order.Length != samples)
        {
            throw new ArgumentException($"The checkpoint this trainer resumed from was made on {state.Order.Length} training samples; this set has {samples}.", nameof(training));
        }

        int batch = Math.Min(BatchSize, samples);
        if (samples % batch == 1 && Network.Architecture.Layers.FirstOrDefault(l => l.Kind == LayerKind.BatchNorm) is { } norm)
        {
            throw new ArgumentException(
                $"BatchNorm '{norm.Name}' takes its statistics over each batch, so every batch needs at least 2 samples; {samples} samples in batches of {batch} leave a last batch of 1. Choose another BatchSize, or leave one sample out.",
                nameof(training));
        }

        _resumed = null;
        using var degree = Parallelism.Override(MaxDegreeOfParallelism);
        int inputs = Network.InputSize, outputs = Network.OutputSize;
        var order = state.Order;
        var x = new T[batch * inputs];
        var y = new T[batch * outputs];
        var predictions = new T[batch * outputs];
        var labels = new int[batch];
        var random = new SplitMix64 { State = state.RandomState };
        var clock = new Stopwatch();
        var epochClock = new Stopwatch();

        for (int epoch = state.Reports.Count + 1; epoch <= epochs && !state.Stopped; epoch++)
        {
            epochClock.Restart();
            clock.Restart();
            if (Shuffle)
            {
                for (int i = samples - 1; i > 0; i--)
                {
                    int j = (int)(random.NextUInt64() % (ulong)(i + 1));
                    (order[i], order[j]) = (order[j], order[i]);
                }
            }

            double lossSum = 0;
            int correct = 0;
            bool measure = MeasureTrainingAccuracy && training.HasLabels;
            double rate = double.CreateTruncating(Optimizer.LearningRate);
            for (int start = 0; start < samples; start += batch)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int rows = Math.Min(batch, samples - start);
                var indices = order.AsSpan(start, rows);
                Gather(training, indices, x.AsSpan(0, rows * inputs), y.AsSpan(0, rows * outputs), labels.AsSpan(0, rows));
                if (measure)
                {
                    Network.Forward(x.AsSpan(0, rows * inputs), predictions.AsSpan(0, rows * outputs));
                    correct += Classification.Correct<T>(predictions.AsSpan(0, rows * outputs), outputs, labels.AsSpan(0, rows));
                }

                T loss = Network.TrainStep(x.AsSpan(0, rows * inputs), y.AsSpan(0, rows * outputs), Optimizer);
                lossSum += double.CreateTruncating(loss) * rows;
            }

            clock.Stop();
            if (Diverged() is { } where)
            {
                throw Divergence(epoch, where, RestoreBest(state, evenIfLast: true) ? state.BestEpoch : null);
            }

            double? validationLoss = null, validationAccuracy = null;
            if (validation is not null)
            {
                (validationLoss, validationAccuracy) = Measure(validation, validationSamples, x, y, predictions, labels);
            }

            var report = new EpochReport(epoch, lossSum / samples, measure ? (double)correct / samples : null, validationLoss, validationAccuracy, rate, clock.Elapsed, epochClock.Elapsed);
            state.Reports.Add(report);
            Schedule?.Step();

            double monitored = validationLoss ?? report.TrainingLoss;
            if (monitored < state.BestLoss - MinimumImprovement)
            {
                state.BestLoss = monitored;
                state.BestEpoch = epoch;
                if (state.Best is not null)
                {
                    Network.Parameters.CopyTo(state.Best);
                }
            }
            else if (Patience is { } patience && epoch - state.BestEpoch >= patience)
            {
                state.Stopped = true;
            }

            state.RandomState = random.State;
            if (CheckpointPath is not null)
            {
                WriteCheckpoint(state, epoch);
            }

            progress?.Report(report);
        }

        bool restore = RestoreBest(state, evenIfLast: false);
        return new TrainingHistory(state.Reports.ToArray(), state.BestEpoch, state.Stopped, restore);
    }

    private FitState? _resumed;

    /// <summary>The first NaN or infinity in the parameters or the optimizer's state, or null.</summary>
    private string? Diverged()
    {
        if (NonFinite.Find(Network.Parameters, Network.Blocks, "parameter") is { } parameter)
        {
            return parameter.ToString();
        }

        foreach (var (name, values) in Optimizer.State)
        {
            int index = NonFinite.IndexOf<T>(values);
            if (index >= 0)
            {
                return $"the optimizer's {name}[{index}] is {values[index]}";
            }
        }

        return null;
    }

    /// <summary>
    /// Sets the network back to the best epoch's weights, when they were kept (<see cref="Patience"/>)
    /// and <see cref="RestoreBestWeights"/> asks for it; at the end of a run not when the last epoch
    /// was the best (the network holds them already), after a divergence always.
    /// </summary>
    /// <returns>Whether the weights were restored.</returns>
    private bool RestoreBest(FitState state, bool evenIfLast)
    {
        if (state.Best is null || !RestoreBestWeights || state.BestEpoch == 0 || (!evenIfLast && state.BestEpoch == state.Reports.Count))
        {
            return false;
        }

        state.Best.CopyTo(Network.Parameters);
        return true;
    }

    /// <summary>
    /// The exception a run whose weights went non-finite stops with: its checkpoint keeps the last
    /// good epoch (a file with a NaN could not be resumed from), and the network holds the best
    /// weights if <paramref name="restored"/> names their epoch.
    /// </summary>
    private NotFiniteNumberException Divergence(int epoch, string where, int? restored)
    {
        var message = new System.Text.StringBuilder($"Training diverged in epoch {epoch}: {where}.");
        if (CheckpointPath is { } path)
        {
            message.Append(_checkpointEpoch == 0
                ? $" No checkpoint of this run was written to '{path}'."
                : $" The checkpoint '{path}' still holds epoch {_checkpointEpoch}, the last good one: Resume from it.");
        }

        message.Append(restored is { } best ? $" The network holds the weights of epoch {best}, the best." : " The network holds the non-finite weights.");
        return new NotFiniteNumberException(message.ToString());
    }

    /// <summary>Where a run of epochs stands: what a checkpoint saves between epochs.</summary>
    private sealed class FitState(int[] order)
    {
        public int[] Order { get; } = order;

        public ulong RandomState { get; set; }

        public double BestLoss { get; set; } = double.PositiveInfinity;

        public int BestEpoch { get; set; }

        public bool Stopped { get; set; }

        public T[]? Best { get; set; }

        public List<EpochReport> Reports { get; } = [];

        public static FitState Start(int samples, int seed, int bestLength)
        {
            var order = new int[samples];
            for (int i = 0; i < samples; i++)
            {
                order[i] = i;
            }

            return new FitState(order) { RandomState = new SplitMix64(seed).State, Best = bestLength > 0 ? new T[bestLength] : null };
        }
    }

    /// <summary>The loss and (with labels) the accuracy on a set, in batches through the same buffers.</summary>
    private (double Loss, double? Accuracy) Measure(TrainingSet<T> set, int samples, T[] x, T[] y, T[] predictions, int[] labels)
    {
        int inputs = Network.InputSize, outputs = Network.OutputSize, batch = Math.Min(x.Length / inputs, labels.Length);
        var architecture = Network.Architecture;
        double lossSum = 0;
        int correct = 0;
        for (int start = 0; start < samples; start += batch)
        {
            int rows = Math.Min(batch, samples - start);
            var xb = x.AsSpan(0, rows * inputs);
            var yb = y.AsSpan(0, rows * outputs);
            var lb = labels.AsSpan(0, rows);
            Gather(set, start, rows, xb, yb, lb);
            var pb = predictions.AsSpan(0, rows * outputs);
            Network.Forward(xb, pb);
            if (set.HasLabels)
            {
                correct += Classification.Correct<T>(pb, outputs, lb);
            }

            lossSum += double.CreateTruncating(Losses.Mean<T>(architecture, pb, yb)) * rows; // from the outputs above: one forward pass
        }

        return (lossSum / samples, set.HasLabels ? (double)correct / samples : null);
    }

    /// <summary>Copies the samples <paramref name="indices"/> into the batch buffers (one-hot or 0/1 rows for labels).</summary>
    private void Gather(TrainingSet<T> set, ReadOnlySpan<int> indices, Span<T> x, Span<T> y, Span<int> labels)
    {
        int inputs = Network.InputSize, outputs = Network.OutputSize;
        var source = set.X.Span;
        for (int r = 0; r < indices.Length; r++)
        {
            source.Slice(indices[r] * inputs, inputs).CopyTo(x.Slice(r * inputs, inputs));
        }

        if (!set.HasLabels)
        {
            var targets = set.Targets.Span;
            for (int r = 0; r < indices.Length; r++)
            {
                targets.Slice(indices[r] * outputs, outputs).CopyTo(y.Slice(r * outputs, outputs));
            }

            return;
        }

        var all = set.Labels.Span;
        for (int r = 0; r < indices.Length; r++)
        {
            labels[r] = all[indices[r]];
        }

        Targets(labels, y, outputs);
    }

    /// <summary>The rows <paramref name="start"/>.. of a set, in order (for validation).</summary>
    private void Gather(TrainingSet<T> set, int start, int rows, Span<T> x, Span<T> y, Span<int> labels)
    {
        int inputs = Network.InputSize, outputs = Network.OutputSize;
        set.X.Span.Slice(start * inputs, rows * inputs).CopyTo(x);
        if (!set.HasLabels)
        {
            set.Targets.Span.Slice(start * outputs, rows * outputs).CopyTo(y);
            return;
        }

        set.Labels.Span.Slice(start, rows).CopyTo(labels);
        Targets(labels, y, outputs);
    }

    /// <summary>One-hot rows for cross-entropy; the label itself, 0 or 1, for one binary output.</summary>
    private static void Targets(ReadOnlySpan<int> labels, Span<T> y, int outputs)
    {
        if (outputs == 1)
        {
            for (int r = 0; r < labels.Length; r++)
            {
                y[r] = labels[r] == 1 ? T.One : T.Zero;
            }

            return;
        }

        y.Clear();
        for (int r = 0; r < labels.Length; r++)
        {
            y[r * outputs + labels[r]] = T.One;
        }
    }
}
