using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Numerics;

namespace SkipNet;

/// <summary>
/// Training checkpoints: the weights and the optimizer's state (moments or momentum buffers, step
/// count, learning rate) and a schedule's position, in one safetensors file, so that training
/// resumed from it continues bit for bit as if it had not stopped. <see cref="Trainer{T}"/> writes
/// one after each epoch when given <see cref="Trainer{T}.CheckpointPath"/>.
/// </summary>
/// <remarks>
/// The file is a weights file (<see cref="NetworkWeights"/>) with more tensors, named after
/// torch.optim's state (<c>optimizer/exp_avg</c>, <c>optimizer/exp_avg_sq</c>,
/// <c>optimizer/momentum_buffer</c>, one entry per parameter in the layout of
/// <see cref="IResidualNetwork{T}.Parameters"/>), and the scalars in <c>__metadata__</c>;
/// <see cref="NetworkWeights.LoadWeights{T}(IResidualNetwork{T}, string)"/> reads its weights.
/// Loading checks everything first and changes nothing after a refusal.
/// </remarks>
public static class Checkpoint
{
    internal const string Kind = "checkpoint";
    internal static readonly string[] StatePrefixes = ["optimizer/", "trainer/"];
    private const string TrainerPrefix = "trainer/";

    /// <summary>Saves the network's weights (the optimizer's network) with the optimizer's and the schedule's state to <paramref name="path"/>, atomically.</summary>
    /// <param name="path">The file to write (conventionally <c>*.safetensors</c>).</param>
    /// <param name="optimizer">The optimizer; its network's weights are saved too.</param>
    /// <param name="schedule">The schedule that sets the optimizer's rate, if any.</param>
    /// <exception cref="ArgumentException">The schedule belongs to another optimizer.</exception>
    /// <exception cref="NotSupportedException">The optimizer is not one of SkipNet's (its state is unknown).</exception>
    public static void Save<T>(string path, Optimizer<T> optimizer, LearningRateSchedule<T>? schedule = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (metadata, tensors) = Contents(optimizer, schedule);
        AtomicFile.Write(path, stream => SafeTensors.Write(stream, metadata, tensors));
    }

    /// <summary>Writes a checkpoint to <paramref name="stream"/> (left open).</summary>
    /// <exception cref="ArgumentException">The schedule belongs to another optimizer.</exception>
    /// <exception cref="NotSupportedException">The optimizer is not one of SkipNet's (its state is unknown).</exception>
    public static void Save<T>(Stream stream, Optimizer<T> optimizer, LearningRateSchedule<T>? schedule = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(stream);
        var (metadata, tensors) = Contents(optimizer, schedule);
        SafeTensors.Write(stream, metadata, tensors);
    }

    /// <summary>Loads a checkpoint into the optimizer's network, the optimizer and the schedule.</summary>
    /// <param name="path">A file written by <see cref="Save{T}(string, Optimizer{T}, LearningRateSchedule{T})"/>.</param>
    /// <param name="optimizer">An optimizer of the same kind and settings as the saved one, for a network of the same architecture.</param>
    /// <param name="schedule">A schedule of the same kind and base rate as the saved one; null if none was saved.</param>
    /// <exception cref="InvalidDataException">The file is not a checkpoint of this architecture, optimizer and schedule, or is damaged; nothing is changed.</exception>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    public static void Load<T>(string path, Optimizer<T> optimizer, LearningRateSchedule<T>? schedule = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        Load(file, optimizer, schedule);
    }

    /// <summary>Loads a checkpoint from <paramref name="stream"/> into the optimizer's network, the optimizer and the schedule.</summary>
    /// <exception cref="InvalidDataException">The data is not a checkpoint of this architecture, optimizer and schedule, or is damaged; nothing is changed.</exception>
    public static void Load<T>(Stream stream, Optimizer<T> optimizer, LearningRateSchedule<T>? schedule = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(stream);
        var file = Open(stream, optimizer, schedule, out var commit);
        file.CheckNothingElse([TrainerPrefix]);
        commit();
    }

    internal static (Dictionary<string, string> Metadata, List<TensorData> Tensors) Contents<T>(Optimizer<T> optimizer, LearningRateSchedule<T>? schedule)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        if (optimizer.GetType().Assembly != typeof(Checkpoint).Assembly)
        {
            throw new NotSupportedException($"Checkpoints hold the state of SkipNet's optimizers (Sgd, Adam, AdamW); {optimizer.GetType().Name}'s state is unknown to them.");
        }

        if (schedule is not null && !ReferenceEquals(schedule.Optimizer, optimizer))
        {
            throw new ArgumentException("The schedule sets the rate of another optimizer.", nameof(schedule));
        }

        var network = optimizer.Network;
        var metadata = NetworkWeights.Metadata(network, Kind);
        var tensors = NetworkWeights.WeightTensors(network, WeightNames.SkipNet);
        metadata[RandomStateKey] = network.RandomState.ToString(CultureInfo.InvariantCulture);
        metadata["optimizer"] = optimizer.RuleName;
        foreach (var (name, value) in optimizer.Settings)
        {
            metadata["optimizer." + name] = value;
        }

        metadata["optimizer.lr"] = Text.Of(double.CreateTruncating(optimizer.LearningRate));
        metadata["optimizer.step"] = optimizer.StepCount.ToString(CultureInfo.InvariantCulture);
        metadata["optimizer.last_grad_norm"] = Text.Of(double.CreateTruncating(optimizer.LastGradientNorm));
        foreach (var (name, values) in optimizer.State)
        {
            tensors.Add(TensorData.Of<T>("optimizer/" + name, [values.Length], values));
        }

        metadata["schedule"] = schedule is null ? "none" : ScheduleName(schedule);
        if (schedule is not null)
        {
            metadata["schedule.steps"] = schedule.Steps.ToString(CultureInfo.InvariantCulture);
            metadata["schedule.base_lr"] = Text.Of(schedule.BaseRate);
            metadata["schedule.lr"] = Text.Of(schedule.RateAt(schedule.Steps));
        }

        return (metadata, tensors);
    }

    /// <summary>Reads and checks a checkpoint; <paramref name="commit"/> then writes it into the network, optimizer and schedule.</summary>
    internal static WeightsFile Open<T>(Stream stream, Optimizer<T> optimizer, LearningRateSchedule<T>? schedule, out Action commit)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        if (schedule is not null && !ReferenceEquals(schedule.Optimizer, optimizer))
        {
            throw new ArgumentException("The schedule sets the rate of another optimizer.", nameof(schedule));
        }

        var network = optimizer.Network;
        var file = WeightsFile.Read(stream, network);
        if (!file.IsCheckpoint)
        {
            throw new InvalidDataException("The file holds weights only, not a training checkpoint: load it with LoadWeights.");
        }

        var weights = file.Weights(network);
        var (buffers, counters) = file.Buffers(network);
        var meta = file.Metadata;
        Expect(meta, "optimizer", optimizer.RuleName, "optimizer");
        foreach (var (name, value) in optimizer.Settings)
        {
            Expect(meta, "optimizer." + name, value, $"{optimizer.RuleName}'s {name}");
        }

        var state = new List<(T[] Target, T[] Saved)>();
        foreach (var (name, values) in optimizer.State)
        {
            var saved = new T[values.Length];
            file.Read("optimizer/" + name, [values.Length], saved.AsSpan());
            state.Add((values, saved));
        }

        // Every scalar is checked as the optimizer will hold it (cast to T) before anything is copied.
        double rate = Number(meta, "optimizer.lr");
        T learningRate = T.CreateTruncating(rate);
        if (!(rate >= 0) || !T.IsFinite(learningRate))
        {
            throw new InvalidDataException(
                $"The checkpoint's learning rate is {Text.Of(rate)}{(double.IsFinite(rate) ? $" ({learningRate} as {typeof(T).Name})" : "")}; it must be a finite number ≥ 0 in the network's precision.");
        }

        long step = Whole(meta, "optimizer.step");
        if (step > Optimizer<T>.MaxStepCount)
        {
            throw new InvalidDataException($"The checkpoint's optimizer.step is {step}; an optimizer counts at most {Optimizer<T>.MaxStepCount} steps.");
        }

        double norm = Number(meta, "optimizer.last_grad_norm");
        if (norm < 0)
        {
            throw new InvalidDataException($"The checkpoint's optimizer.last_grad_norm is {Text.Of(norm)}; a norm is ≥ 0.");
        }

        // The dropout generator's state (a checkpoint written before it was saved leaves the network's as it is).
        ulong? random = null;
        if (meta.TryGetValue(RandomStateKey, out var randomText))
        {
            random = ulong.TryParse(randomText, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)
                ? parsed
                : throw new InvalidDataException($"The checkpoint's {RandomStateKey} is '{randomText}'; it must be a whole number from 0 to {ulong.MaxValue}.");
        }

        Expect(meta, "schedule", schedule is null ? "none" : ScheduleName(schedule), "schedule");
        int steps = 0;
        if (schedule is not null)
        {
            Expect(meta, "schedule.base_lr", Text.Of(schedule.BaseRate), "schedule's base rate");
            long savedSteps = Whole(meta, "schedule.steps");
            if (savedSteps > int.MaxValue)
            {
                throw new InvalidDataException($"The checkpoint's schedule.steps is {savedSteps}, more than a schedule counts.");
            }

            steps = (int)savedSteps;
            Expect(meta, "schedule.lr", Text.Of(schedule.RateAt(steps)), $"schedule's rate at step {steps} (the schedules differ)");
        }

        commit = () =>
        {
            weights.CopyTo(network.Parameters);
            buffers.CopyTo(network.Buffers);
            counters.CopyTo(network.BatchesTracked);
            foreach (var (target, saved) in state)
            {
                saved.CopyTo(target.AsSpan());
            }

            if (random is { } randomState)
            {
                network.RandomState = randomState;
            }

            optimizer.StepCount = step;
            optimizer.LastGradientNorm = T.CreateTruncating(norm);
            optimizer.LearningRate = learningRate;
            if (schedule is not null)
            {
                schedule.Steps = steps;
            }
        };
        return file;
    }

    /// <summary>The metadata key of the network's <see cref="IResidualNetwork{T}.RandomState"/>.</summary>
    private const string RandomStateKey = "network.random_state";

    private static string ScheduleName<T>(LearningRateSchedule<T> schedule)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        string name = schedule.GetType().Name;
        int tick = name.IndexOf('`');
        return tick < 0 ? name : name[..tick];
    }

    private static void Expect(IReadOnlyDictionary<string, string> metadata, string key, string expected, string what)
    {
        if (!metadata.TryGetValue(key, out string? saved))
        {
            throw new InvalidDataException($"The checkpoint does not record its {what} ('{key}' in __metadata__); expected {expected}.");
        }

        if (saved != expected)
        {
            throw new InvalidDataException($"The checkpoint's {what} is {SafeTensors.Shorten(saved)}; this one's is {expected}. Resume with the same settings.");
        }
    }

    internal static double Number(IReadOnlyDictionary<string, string> metadata, string key) =>
        metadata.TryGetValue(key, out string? text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
            ? value
            : throw new InvalidDataException($"The checkpoint's '{key}' is missing or not a number.");

    internal static long Whole(IReadOnlyDictionary<string, string> metadata, string key) =>
        metadata.TryGetValue(key, out string? text) && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long value)
            ? value
            : throw new InvalidDataException($"The checkpoint's '{key}' is missing or not a whole number ≥ 0.");
}
