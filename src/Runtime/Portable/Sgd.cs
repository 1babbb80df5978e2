using System;
using SkipNet.CompilerServices;
using static SkipNet.CompilerServices.Real;

namespace SkipNet;

/// <summary>torch.optim.SGD: momentum, dampening, Nesterov and (coupled) weight decay, as PyTorch computes them.</summary>
/// <typeparam name="T">The network's element type: float or double.</typeparam>
public sealed class Sgd<T> : Optimizer<T>
    where T : unmanaged
{
    private readonly T[]? _momentumBuffer;

    /// <summary>An SGD optimizer for <paramref name="network"/>, with torch.optim.SGD's defaults.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="network"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A setting is negative, infinite or NaN.</exception>
    /// <exception cref="ArgumentException">Nesterov without momentum, or with dampening.</exception>
    public Sgd(IResidualNetwork<T> network, T learningRate, double momentum = 0, double dampening = 0, bool nesterov = false, double weightDecay = 0, T? maxGradientNorm = null)
        : base(network, learningRate, maxGradientNorm)
    {
        Check.NonNegative(momentum, nameof(momentum));
        Check.NonNegative(dampening, nameof(dampening));
        Check.NonNegative(weightDecay, nameof(weightDecay));
        if (nesterov && (momentum <= 0 || dampening != 0))
        {
            throw new ArgumentException($"Nesterov momentum requires a momentum > 0 and zero dampening (torch.optim.SGD's rule); momentum is {momentum}, dampening {dampening}.", nameof(nesterov));
        }

        Momentum = momentum;
        Dampening = dampening;
        Nesterov = nesterov;
        WeightDecay = weightDecay;
        _momentumBuffer = momentum != 0 ? new T[network.ParameterCount] : null;
    }

    /// <summary>μ: the momentum factor (0: none).</summary>
    public double Momentum { get; }

    /// <summary>τ: the dampening of the momentum.</summary>
    public double Dampening { get; }

    /// <summary>Whether the step uses Nesterov momentum.</summary>
    public bool Nesterov { get; }

    /// <summary>λ: the L2 penalty added to the gradient (g + λp).</summary>
    public double WeightDecay { get; }

    /// <inheritdoc/>
    protected override void Apply(Span<T> parameters, ReadOnlySpan<T> gradients, long step)
    {
        double rate = ToDouble(LearningRate), decay = WeightDecay, momentum = Momentum, keep = 1 - Dampening;
        var buffer = _momentumBuffer;
        for (int i = 0; i < parameters.Length; i++)
        {
            double p = ToDouble(parameters[i]), g = ToDouble(gradients[i]);
            if (decay != 0)
            {
                g += decay * p;
            }

            if (buffer is not null)
            {
                double b = step == 1 ? g : momentum * ToDouble(buffer[i]) + keep * g;
                buffer[i] = From<T>(b);
                g = Nesterov ? g + momentum * b : b;
            }

            parameters[i] = From<T>(p - rate * g);
        }
    }
}
