using System;
using SkipNet.CompilerServices;
using static SkipNet.CompilerServices.Real;

namespace SkipNet;

/// <summary>
/// An optimizer for one network: torch.optim's update rules and defaults (docs/conventions.md),
/// optional clipping of the gradient's global L2 norm first, and its state sized to the network and
/// allocated once, at construction. netstandard2.1's build: the .NET 8 build's rules, each element
/// computed in double and rounded once to the network's type.
/// </summary>
/// <remarks>
/// Use it as in PyTorch: <c>net.ZeroGradients(); net.Backward(x, y); optimizer.Step();</c>, or in one
/// call, <c>net.TrainStep(x, y, optimizer)</c>. Nothing is allocated per step.
/// </remarks>
/// <typeparam name="T">The network's element type: float or double.</typeparam>
public abstract class Optimizer<T>
    where T : unmanaged
{
    private T _learningRate;

    /// <summary>Binds the optimizer to <paramref name="network"/> and checks the common settings.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="network"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The learning rate is negative, infinite or NaN, or <paramref name="maxGradientNorm"/> is not a finite number &gt; 0.</exception>
    protected Optimizer(IResidualNetwork<T> network, T learningRate, T? maxGradientNorm)
    {
        Guard.LearningRate(learningRate, nameof(learningRate));
        if (maxGradientNorm is { } norm)
        {
            Check.Positive(norm, nameof(maxGradientNorm));
        }

        Network = network ?? throw new ArgumentNullException(nameof(network));
        _learningRate = learningRate;
        MaxGradientNorm = maxGradientNorm;
    }

    /// <summary>The network this optimizer updates (its state is sized to it).</summary>
    public IResidualNetwork<T> Network { get; }

    /// <summary>The learning rate of the next step.</summary>
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

    /// <summary>When set, each step first scales the gradient down to this global L2 norm if it is longer (torch.nn.utils.clip_grad_norm_).</summary>
    public T? MaxGradientNorm { get; }

    /// <summary>The number of steps taken, t in the formulas (the first step is t = 1).</summary>
    public long StepCount { get; private set; }

    /// <summary>The global L2 norm of the gradient at the last step, before clipping.</summary>
    public T LastGradientNorm { get; private set; }

    /// <summary>Updates the network's parameters from its gradients: call it after <c>Backward</c>.</summary>
    /// <exception cref="InvalidOperationException">A training call is running on the network on another thread; nothing is changed.</exception>
    public void Step() => Network.Step(this);

    /// <summary>
    /// The update itself, on the network's parameters and gradients: the network calls it from
    /// <c>Step(optimizer)</c> and <c>TrainStep(x, y, optimizer)</c>; call <see cref="Step"/> instead.
    /// Clips <paramref name="gradients"/> in place when <see cref="MaxGradientNorm"/> is set.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="parameters"/> is not this optimizer's network's parameters, or <paramref name="gradients"/> is not as long; nothing is changed.</exception>
    public void Update(Span<T> parameters, Span<T> gradients)
    {
        if (parameters.Length != Network.ParameterCount || gradients.Length != Network.ParameterCount)
        {
            throw new ArgumentException(
                $"Expected the parameters and gradients of the network this optimizer was made for ({Network.ParameterCount} each); their lengths are {parameters.Length} and {gradients.Length}.");
        }

        if (parameters != Network.Parameters)
        {
            throw new ArgumentException(
                $"The parameters are not those of the network this optimizer was made for ({Network.GetType().Name}), though they have its length; make an optimizer for each network.",
                nameof(parameters));
        }

        if (StepCount >= 1L << 53)
        {
            throw new InvalidOperationException($"The optimizer has taken {StepCount} steps, the most it counts; nothing was changed.");
        }

        StepCount++;
        double sum = 0;
        foreach (T g in gradients)
        {
            double v = ToDouble(g);
            sum += v * v;
        }

        LastGradientNorm = From<T>(Math.Sqrt(sum));
        if (MaxGradientNorm is { } max)
        {
            // clip_coef = max / (norm + 1e-6), clamped to 1: a multiply by 1 changes nothing.
            double coefficient = ToDouble(max) / (ToDouble(LastGradientNorm) + 1e-6);
            if (coefficient < 1)
            {
                for (int i = 0; i < gradients.Length; i++)
                {
                    gradients[i] = From<T>(ToDouble(gradients[i]) * coefficient);
                }
            }
        }

        Apply(parameters, gradients, StepCount);
    }

    /// <summary>The update rule, on gradients already clipped; <paramref name="step"/> is t, from 1.</summary>
    protected abstract void Apply(Span<T> parameters, ReadOnlySpan<T> gradients, long step);
}
