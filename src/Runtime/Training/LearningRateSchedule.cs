using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;

namespace SkipNet;

/// <summary>
/// Sets an optimizer's learning rate step by step, as torch.optim.lr_scheduler does: made with the
/// optimizer (whose rate becomes the base rate, and which gets the rate of step 0 at once), then
/// <see cref="Step"/> once per epoch (or per batch, as you choose). Rates follow torch's closed forms.
/// </summary>
/// <typeparam name="T">The network's element type.</typeparam>
public abstract class LearningRateSchedule<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// Takes the optimizer's initial rate as the base rate: its rate when its first schedule was
    /// made, as torch records <c>initial_lr</c> once. So schedules made one after another for
    /// <see cref="SequentialLR{T}"/> share one base rate, although each sets the optimizer's rate
    /// when made.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="optimizer"/> is null.</exception>
    protected LearningRateSchedule(Optimizer<T> optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        Optimizer = optimizer;
        BaseRate = optimizer.InitialLearningRate ??= double.CreateTruncating(optimizer.LearningRate);
    }

    /// <summary>The optimizer whose rate this schedule sets.</summary>
    public Optimizer<T> Optimizer { get; }

    /// <summary>The rate the optimizer had when its first schedule was made (torch's <c>initial_lr</c>).</summary>
    public double BaseRate { get; }

    /// <summary>Steps taken (torch's last_epoch): 0 until the first <see cref="Step"/>.</summary>
    public int Steps { get; internal set; }

    /// <summary>The rate at step <paramref name="step"/>.</summary>
    public abstract double RateAt(int step);

    /// <summary>Advances one step and sets the optimizer's rate.</summary>
    public void Step()
    {
        Steps++;
        Optimizer.LearningRate = T.CreateTruncating(RateAt(Steps));
    }

    /// <summary>Sets the optimizer's rate for the current step (the constructors of the concrete schedules call it, as torch's do).</summary>
    protected void Start() => Optimizer.LearningRate = T.CreateTruncating(RateAt(Steps));
}

/// <summary>
/// torch.optim.lr_scheduler.LinearLR, the usual warm-up: the rate goes linearly from
/// base·<c>startFactor</c> to base·<c>endFactor</c> over <c>totalSteps</c> steps, and stays there.
/// </summary>
/// <typeparam name="T">The network's element type.</typeparam>
public sealed class LinearLR<T> : LearningRateSchedule<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates the schedule and sets the optimizer's rate to base·startFactor.</summary>
    /// <exception cref="ArgumentOutOfRangeException">startFactor is not in (0, 1], endFactor not in [0, 1], or totalSteps &lt; 1.</exception>
    public LinearLR(Optimizer<T> optimizer, double startFactor = 1.0 / 3, double endFactor = 1.0, int totalSteps = 5)
        : base(optimizer)
    {
        if (!(startFactor > 0 && startFactor <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(startFactor), startFactor, "startFactor must be in (0, 1], as in torch.");
        }

        if (!(endFactor >= 0 && endFactor <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(endFactor), endFactor, "endFactor must be in [0, 1], as in torch.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(totalSteps, 1);
        (StartFactor, EndFactor, TotalSteps) = (startFactor, endFactor, totalSteps);
        Start();
    }

    /// <summary>The factor at step 0.</summary>
    public double StartFactor { get; }

    /// <summary>The factor from step <see cref="TotalSteps"/> on.</summary>
    public double EndFactor { get; }

    /// <summary>Steps to go from the start factor to the end factor.</summary>
    public int TotalSteps { get; }

    /// <inheritdoc />
    public override double RateAt(int step) =>
        BaseRate * (StartFactor + (EndFactor - StartFactor) * Math.Min(TotalSteps, step) / TotalSteps);
}

/// <summary>
/// torch.optim.lr_scheduler.CosineAnnealingLR, closed form: rate_t = min + (base − min)(1 + cos(π·t/T))/2
/// for t ≤ T (and the same formula beyond, as torch's closed form continues).
/// </summary>
/// <typeparam name="T">The network's element type.</typeparam>
public sealed class CosineAnnealingLR<T> : LearningRateSchedule<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates the schedule (the rate of step 0 is the base rate).</summary>
    /// <exception cref="ArgumentOutOfRangeException">maxSteps &lt; 1, or minimumRate negative or not finite.</exception>
    public CosineAnnealingLR(Optimizer<T> optimizer, int maxSteps, double minimumRate = 0)
        : base(optimizer)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSteps, 1);
        Check.NonNegative(minimumRate, nameof(minimumRate));
        (MaxSteps, MinimumRate) = (maxSteps, minimumRate);
        Start();
    }

    /// <summary>T_max: the steps from the base rate down to the minimum.</summary>
    public int MaxSteps { get; }

    /// <summary>eta_min.</summary>
    public double MinimumRate { get; }

    /// <inheritdoc />
    public override double RateAt(int step) =>
        MinimumRate + (BaseRate - MinimumRate) * (1 + Math.Cos(Math.PI * step / MaxSteps)) / 2;
}

/// <summary>
/// torch.optim.lr_scheduler.SequentialLR: one schedule after another, switching at the milestones;
/// each counts its steps from its own milestone, from the optimizer's initial rate (so a warm-up
/// <see cref="LinearLR{T}"/> then a <see cref="CosineAnnealingLR{T}"/> made by hand give torch's
/// 0.1, 0.55, 1, 0.854… for a base rate of 1). <see cref="WarmupCosine"/> builds the usual warm-up
/// then cosine decay. The schedules may be any of SkipNet's, <see cref="SequentialLR{T}"/> included.
/// </summary>
/// <typeparam name="T">The network's element type.</typeparam>
public sealed class SequentialLR<T> : LearningRateSchedule<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly LearningRateSchedule<T>[] _schedules;
    private readonly int[] _milestones;

    /// <summary>Runs <paramref name="schedules"/>[i] from <paramref name="milestones"/>[i − 1] (0 for the first) on.</summary>
    /// <exception cref="ArgumentException">The schedules are for another optimizer, or there is not one milestone fewer than schedules, rising.</exception>
    public SequentialLR(Optimizer<T> optimizer, IReadOnlyList<LearningRateSchedule<T>> schedules, IReadOnlyList<int> milestones)
        : base(optimizer)
    {
        ArgumentNullException.ThrowIfNull(schedules);
        ArgumentNullException.ThrowIfNull(milestones);
        if (schedules.Count == 0 || milestones.Count != schedules.Count - 1 || schedules.Any(s => !ReferenceEquals(s.Optimizer, optimizer))
            || milestones.Zip(milestones.Skip(1)).Any(p => p.First >= p.Second) || milestones.Any(m => m < 1))
        {
            throw new ArgumentException($"Expected schedules of this optimizer and one rising milestone (≥ 1) fewer than schedules; got {schedules.Count} schedule(s) and milestones [{string.Join(", ", milestones)}].", nameof(milestones));
        }

        _schedules = schedules.ToArray();
        _milestones = milestones.ToArray();
        Start();
    }

    /// <summary>Linear warm-up from base·<paramref name="startFactor"/> over <paramref name="warmupSteps"/>, then cosine decay to <paramref name="minimumRate"/> by <paramref name="totalSteps"/>.</summary>
    public static SequentialLR<T> WarmupCosine(Optimizer<T> optimizer, int warmupSteps, int totalSteps, double minimumRate = 0, double startFactor = 0.1)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        if (warmupSteps < 1 || totalSteps <= warmupSteps)
        {
            throw new ArgumentOutOfRangeException(nameof(totalSteps), totalSteps, $"Expected 1 ≤ warmupSteps < totalSteps; warmupSteps is {warmupSteps}.");
        }

        var warmup = new LinearLR<T>(optimizer, startFactor, 1.0, warmupSteps);
        var cosine = new CosineAnnealingLR<T>(optimizer, totalSteps - warmupSteps, minimumRate);
        return new SequentialLR<T>(optimizer, [warmup, cosine], [warmupSteps]);
    }

    /// <inheritdoc />
    public override double RateAt(int step)
    {
        int i = 0;
        while (i < _milestones.Length && step >= _milestones[i])
        {
            i++;
        }

        return _schedules[i].RateAt(i == 0 ? step : step - _milestones[i - 1]);
    }
}
