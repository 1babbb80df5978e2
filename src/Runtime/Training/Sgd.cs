using System;
using System.Collections.Generic;
using System.Numerics;

namespace SkipNet;

/// <summary>
/// Stochastic gradient descent, torch.optim.SGD: g ← g + λp; with momentum μ ≠ 0, b ← g at the
/// first step, else b ← μb + (1 − τ)g, then g ← g + μb (Nesterov) or g ← b; p ← p − lr·g.
/// </summary>
/// <typeparam name="T">The network's element type.</typeparam>
public sealed class Sgd<T> : Optimizer<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[]? _momentumBuffer;

    /// <summary>Creates the optimizer for <paramref name="network"/>, with torch.optim.SGD's defaults.</summary>
    /// <param name="network">The network to update.</param>
    /// <param name="learningRate">lr, a finite number ≥ 0.</param>
    /// <param name="momentum">μ ≥ 0 (0: none).</param>
    /// <param name="dampening">τ ≥ 0, applied to the gradient from the second step on.</param>
    /// <param name="nesterov">Nesterov momentum (needs μ &gt; 0 and τ = 0).</param>
    /// <param name="weightDecay">λ ≥ 0, added to the gradient as λp (L2 penalty).</param>
    /// <param name="maxGradientNorm">Clip the gradient's global L2 norm to this first; null: no clipping.</param>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
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

    /// <summary>μ.</summary>
    public double Momentum { get; }

    /// <summary>τ.</summary>
    public double Dampening { get; }

    /// <summary>Whether the momentum is Nesterov's.</summary>
    public bool Nesterov { get; }

    /// <summary>λ.</summary>
    public double WeightDecay { get; }

    internal override string RuleName => "SGD";

    internal override IEnumerable<(string Name, string Value)> Settings =>
    [
        ("momentum", Text.Of(Momentum)), ("dampening", Text.Of(Dampening)), ("nesterov", Nesterov ? "true" : "false"), ("weight_decay", Text.Of(WeightDecay)),
        ("max_grad_norm", MaxGradientNorm is { } norm ? Text.Of(double.CreateTruncating(norm)) : "none"),
    ];

    internal override IEnumerable<(string Name, T[] Values)> State => _momentumBuffer is null ? [] : [("momentum_buffer", _momentumBuffer)];

    /// <inheritdoc />
    protected override void Apply(Span<T> parameters, ReadOnlySpan<T> gradients, long step)
    {
        T rate = LearningRate, decay = T.CreateTruncating(WeightDecay), momentum = T.CreateTruncating(Momentum), keep = T.CreateTruncating(1 - Dampening);
        var buffer = _momentumBuffer;
        if (buffer is null && decay == T.Zero)
        {
            Kernels.ScaleAdd(-rate, gradients, parameters); // p + (−lr)·g: the loop below, vectorized
            return;
        }

        for (int i = 0; i < parameters.Length; i++)
        {
            T g = gradients[i];
            if (decay != T.Zero)
            {
                g += decay * parameters[i];
            }

            if (buffer is not null)
            {
                T b = step == 1 ? g : momentum * buffer[i] + keep * g;
                buffer[i] = b;
                g = Nesterov ? g + momentum * b : b;
            }

            parameters[i] -= rate * g;
        }
    }
}
