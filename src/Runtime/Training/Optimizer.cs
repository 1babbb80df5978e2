using System;
using System.Collections.Generic;
using System.Numerics;
using System.Runtime.Intrinsics;

namespace SkipNet;

/// <summary>
/// An optimizer for one network: torch.optim's update rules and defaults
/// (<see href="https://github.com/skipnet/skipnet/blob/main/docs/conventions.md">docs/conventions.md</see>),
/// optional clipping of the gradient's global L2 norm first, and its state (moments, momentum
/// buffers, the step count) sized to the network and allocated once, at construction.
/// </summary>
/// <remarks>
/// Use it as in PyTorch: <c>net.ZeroGradients(); net.Backward(x, y); optimizer.Step();</c>, or in one
/// call, <c>net.TrainStep(x, y, optimizer)</c>, which gives the same numbers. Both run under the
/// network's training guard, so an update never overlaps another training call on the network.
/// Nothing is allocated per step.
/// </remarks>
/// <typeparam name="T">The network's element type.</typeparam>
public abstract class Optimizer<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private T _learningRate;

    /// <summary>Binds the optimizer to <paramref name="network"/> and checks the common settings.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="network"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The learning rate is negative, infinite or NaN, or <paramref name="maxGradientNorm"/> is not a finite number &gt; 0.</exception>
    protected Optimizer(IResidualNetwork<T> network, T learningRate, T? maxGradientNorm)
    {
        ArgumentNullException.ThrowIfNull(network);
        Guard.LearningRate(learningRate, nameof(learningRate));
        if (maxGradientNorm is { } norm)
        {
            Check.Positive(norm, nameof(maxGradientNorm));
        }

        Network = network;
        _learningRate = learningRate;
        MaxGradientNorm = maxGradientNorm;
    }

    /// <summary>The network this optimizer updates (its state is sized to it).</summary>
    public IResidualNetwork<T> Network { get; }

    /// <summary>The learning rate of the next step; a schedule (<see cref="LearningRateSchedule{T}"/>) may set it.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Set to a negative, infinite or NaN rate; the rate is unchanged.</exception>
    public T LearningRate
    {
        get => _learningRate;
        set
        {
            Guard.LearningRate(value, nameof(value));
            _learningRate = value;
        }
    }

    /// <summary>The rate when the first schedule of this optimizer was made (torch's <c>initial_lr</c>): every schedule's base rate.</summary>
    internal double? InitialLearningRate { get; set; }

    /// <summary>When set, each step first scales the gradient down to this global L2 norm if it is longer (torch.nn.utils.clip_grad_norm_).</summary>
    public T? MaxGradientNorm { get; }

    /// <summary>The most steps an optimizer counts: 2^53, beyond which t is no longer exact in double (Adam's β^t).</summary>
    internal const long MaxStepCount = 1L << 53;

    /// <summary>The number of steps taken, t in the formulas (the first step is t = 1).</summary>
    public long StepCount { get; internal set; }

    /// <summary>The global L2 norm of the gradient at the last step, before clipping (as clip_grad_norm_ returns it).</summary>
    public T LastGradientNorm { get; internal set; }

    /// <summary>Updates the network's parameters from its gradients: call it after <c>Backward</c>.</summary>
    /// <exception cref="InvalidOperationException">A training call is running on the network on another thread; nothing is changed.</exception>
    public void Step() => Network.Step(this);

    /// <summary>
    /// The update itself, on the network's parameters and gradients: the network calls it, under its
    /// training guard, from <c>Step(optimizer)</c> and <c>TrainStep(x, y, optimizer)</c>; call
    /// <see cref="Step"/> instead. Clips <paramref name="gradients"/> in place when
    /// <see cref="MaxGradientNorm"/> is set (as PyTorch leaves the clipped gradient in .grad).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="parameters"/> is not this optimizer's network's <see cref="IResidualNetwork{T}.Parameters"/> (the same memory), or <paramref name="gradients"/> is not as long; nothing is changed. The gradients may be the network's or any span of its length (accumulated or averaged ones).</exception>
    public void Update(Span<T> parameters, Span<T> gradients)
    {
        if (parameters.Length != Network.ParameterCount || gradients.Length != Network.ParameterCount)
        {
            throw new ArgumentException(
                $"Expected the parameters and gradients of the network this optimizer was made for ({Network.ParameterCount} each); their lengths are {parameters.Length} and {gradients.Length}.");
        }

        // The same memory, not only the same length: an optimizer's state belongs to one network's
        // parameters. (The gradients may come from elsewhere: accumulated, averaged over workers.)
        if (parameters != Network.Parameters)
        {
            throw new ArgumentException(
                $"The parameters are not those of the network this optimizer was made for ({Network.GetType().Name}), though they have its length; make an optimizer for each network.",
                nameof(parameters));
        }

        if (StepCount >= MaxStepCount)
        {
            throw new InvalidOperationException($"The optimizer has taken {StepCount} steps, the most it counts; nothing was changed.");
        }

        StepCount++;
        LastGradientNorm = T.CreateTruncating(Norm(gradients));
        if (MaxGradientNorm is { } max)
        {
            // clip_coef = max / (norm + 1e-6), clamped to 1: a multiply by 1 changes nothing.
            T coefficient = max / (LastGradientNorm + T.CreateTruncating(1e-6));
            if (coefficient < T.One)
            {
                foreach (ref T g in gradients)
                {
                    g *= coefficient;
                }
            }
        }

        Apply(parameters, gradients, StepCount);
    }

    /// <summary>torch.optim's name of the rule ("SGD", "Adam", "AdamW"), as a checkpoint records it.</summary>
    internal virtual string RuleName => GetType().Name;

    /// <summary>The settings a checkpoint records and checks on loading, each as round-trip text.</summary>
    internal virtual IEnumerable<(string Name, string Value)> Settings => [];

    /// <summary>The state buffers a checkpoint saves, under torch.optim's names ("exp_avg", "momentum_buffer").</summary>
    internal virtual IEnumerable<(string Name, T[] Values)> State => [];

    /// <summary>The update rule, on gradients already clipped; <paramref name="step"/> is t, from 1.</summary>
    protected abstract void Apply(Span<T> parameters, ReadOnlySpan<T> gradients, long step);

    /// <summary>‖g‖₂, accumulated in double.</summary>
    private static double Norm(ReadOnlySpan<T> gradients)
    {
        // Σg² in double over eight running sums (element i into sum i mod 8), added pairwise at the end:
        // a fixed order, so the vector and scalar paths, and every CPU, give the same bits.
        int i = 0;
        double sum;
        if (Vector256.IsHardwareAccelerated && gradients.Length >= 8)
        {
            Vector256<double> low = Vector256<double>.Zero, high = Vector256<double>.Zero;
            for (; i <= gradients.Length - 8; i += 8)
            {
                var a = Lanes.Load4(gradients, i);
                var b = Lanes.Load4(gradients, i + 4);
                low += a * a;
                high += b * b;
            }

            var pairs = low + high;
            sum = (pairs.GetElement(0) + pairs.GetElement(2)) + (pairs.GetElement(1) + pairs.GetElement(3));
        }
        else
        {
            Span<double> sums = stackalloc double[8];
            sums.Clear();
            for (; i <= gradients.Length - 8; i += 8)
            {
                for (int lane = 0; lane < 8; lane++)
                {
                    double v = double.CreateTruncating(gradients[i + lane]);
                    sums[lane] += v * v;
                }
            }

            sum = ((sums[0] + sums[4]) + (sums[2] + sums[6])) + ((sums[1] + sums[5]) + (sums[3] + sums[7]));
        }

        for (; i < gradients.Length; i++)
        {
            double v = double.CreateTruncating(gradients[i]);
            sum += v * v;
        }

        return Math.Sqrt(sum);
    }
}
