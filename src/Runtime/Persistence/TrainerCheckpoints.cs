using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Numerics;

namespace SkipNet;

// The trainer's checkpoints, as files: what it writes after each epoch and what Resume reads. The
// training loop (Training/Trainer.cs) calls WriteCheckpoint and nothing else of the file format.
public sealed partial class Trainer<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// Loads a checkpoint this trainer's <see cref="CheckpointPath"/> wrote (into the network, the
    /// optimizer, the schedule and the trainer), so that the next <see cref="Fit"/> continues after
    /// its last epoch exactly as the interrupted run would have: same batches, same weights, bit for
    /// bit. The history <see cref="Fit"/> returns then includes the saved epochs.
    /// </summary>
    /// <returns>The number of epochs the checkpoint had completed.</returns>
    /// <exception cref="InvalidDataException">The file is not a trainer checkpoint of this network, optimizer, schedule and settings (seed, batch size, shuffling, patience), or is damaged; nothing is changed.</exception>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    public int Resume(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        var file = Checkpoint.Open(stream, Optimizer, Schedule, out var commit);
        var meta = file.Metadata;
        foreach (var (key, value) in Settings())
        {
            if (!meta.TryGetValue(key, out string? saved) || saved != value)
            {
                throw new InvalidDataException($"The checkpoint's {key} is {(saved is null ? "not recorded (it is not a trainer's checkpoint)" : SafeTensors.Shorten(saved))}; this trainer's is {value}. Resume with the same settings.");
            }
        }

        // Sizes are checked against the file before anything is allocated from them.
        long samples = Checkpoint.Whole(meta, "trainer.samples");
        long stored = file.LengthOf("trainer/order");
        if (samples < 1 || samples != stored)
        {
            throw new InvalidDataException($"The checkpoint's trainer.samples is {samples}, but its 'trainer/order' holds {(stored < 0 ? "nothing" : stored + " indices")}: the file is damaged.");
        }

        var order = new int[samples];
        file.ReadIndices("trainer/order", order);
        var reports = History.Parse(meta.GetValueOrDefault("trainer.history"));
        long bestEpoch = Checkpoint.Whole(meta, "trainer.best_epoch");
        if (bestEpoch > reports.Count)
        {
            throw new InvalidDataException($"The checkpoint's trainer.best_epoch is {bestEpoch}, after its last epoch ({reports.Count}): the file is damaged.");
        }

        string stopped = meta.GetValueOrDefault("trainer.stopped") ?? "";
        if (stopped is not ("true" or "false"))
        {
            throw new InvalidDataException($"The checkpoint's trainer.stopped is '{SafeTensors.Shorten(stopped)}'; expected true or false.");
        }

        double bestLoss = Checkpoint.Number(meta, "trainer.best_loss");
        if (double.IsNaN(bestLoss) || (bestEpoch > 0 && double.IsInfinity(bestLoss)))
        {
            throw new InvalidDataException($"The checkpoint's trainer.best_loss is {Text.Of(bestLoss)} at epoch {bestEpoch}: the file is damaged.");
        }

        var state = new FitState(order)
        {
            RandomState = ulong.TryParse(meta.GetValueOrDefault("trainer.random_state"), NumberStyles.None, CultureInfo.InvariantCulture, out ulong r)
                ? r : throw new InvalidDataException("The checkpoint's 'trainer.random_state' is missing or not a whole number."),
            BestLoss = bestLoss,
            BestEpoch = (int)bestEpoch,
            Stopped = stopped == "true",
        };
        state.Reports.AddRange(reports);
        if (Patience is not null)
        {
            state.Best = new T[Network.ParameterCount];
            file.Read("trainer/best", [Network.ParameterCount], state.Best.AsSpan());
        }

        file.CheckNothingElse([]);
        commit();
        _resumed = state;
        _checkpointEpoch = state.Reports.Count;
        return state.Reports.Count;
    }

    /// <summary>When set, a checkpoint (weights, optimizer, schedule and the trainer's place) is written here, atomically, after each epoch; <see cref="Resume"/> continues from it.</summary>
    public string? CheckpointPath { get; init; }

    /// <summary>The epoch of the last checkpoint this trainer wrote or resumed from (0: none).</summary>
    private int _checkpointEpoch;

    private IEnumerable<(string Key, string Value)> Settings() =>
    [
        ("trainer.batch_size", BatchSize.ToString(CultureInfo.InvariantCulture)),
        ("trainer.seed", Seed.ToString(CultureInfo.InvariantCulture)),
        ("trainer.shuffle", Shuffle ? "true" : "false"),
        ("trainer.patience", Patience?.ToString(CultureInfo.InvariantCulture) ?? "none"),
        ("trainer.min_delta", Text.Of(MinimumImprovement)),
    ];

    /// <summary>Writes the checkpoint of the epoch just ended to <see cref="CheckpointPath"/>, atomically.</summary>
    private void WriteCheckpoint(FitState state, int epoch)
    {
        var (metadata, tensors) = CheckpointContents(state);
        AtomicFile.Write(CheckpointPath!, stream => SafeTensors.Write(stream, metadata, tensors));
        _checkpointEpoch = epoch;
    }

    private (Dictionary<string, string> Metadata, List<TensorData> Tensors) CheckpointContents(FitState state)
    {
        var (metadata, tensors) = Checkpoint.Contents(Optimizer, Schedule);
        foreach (var (key, value) in Settings())
        {
            metadata[key] = value;
        }

        metadata["trainer.samples"] = state.Order.Length.ToString(CultureInfo.InvariantCulture);
        metadata["trainer.random_state"] = state.RandomState.ToString(CultureInfo.InvariantCulture);
        metadata["trainer.best_loss"] = Text.Of(state.BestLoss);
        metadata["trainer.best_epoch"] = state.BestEpoch.ToString(CultureInfo.InvariantCulture);
        metadata["trainer.stopped"] = state.Stopped ? "true" : "false";
        metadata["trainer.history"] = History.Format(state.Reports);
        tensors.Add(TensorData.Of<int>("trainer/order", [state.Order.Length], state.Order));
        if (state.Best is not null)
        {
            tensors.Add(TensorData.Of<T>("trainer/best", [state.Best.Length], state.Best));
        }

        return (metadata, tensors);
    }
}
