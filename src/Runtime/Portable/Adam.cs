using System;
using static SkipNet.CompilerServices.Real;

namespace SkipNet;

/// <summary>torch.optim.Adam: bias-corrected moments and coupled weight decay (g + λp), as PyTorch computes them.</summary>
/// <typeparam name="T">The network's element type: float or double.</typeparam>
public class Adam<T> : Optimizer<T>
    where T : unmanaged
{
    private readonly T[] _m;
    private readonly T[] _v;

    /// <summary>An Adam optimizer for <paramref name="network"/>, with torch.optim.Adam's defaults.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="network"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A β is outside [0, 1), ε is not &gt; 0, or a rate or decay is negative, infinite or NaN.</exception>
    public Adam(IResidualNetwork<T> network, T learningRate, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, double weightDecay = 0, T? maxGradientNorm = null)
        : base(network, learningRate, maxGradientNorm)
    {
        Check.Beta(beta1, nameof(beta1));
        Check.Beta(beta2, nameof(beta2));
        Check.Positive(epsilon, nameof(epsilon));
        Check.NonNegative(weightDecay, nameof(weightDecay));
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        WeightDecay = weightDecay;
        _m = new T[network.ParameterCount];
        _v = new T[network.ParameterCount];
    }

    /// <summary>An Adam optimizer with torch's defaults: lr = 10⁻³, β = (0.9, 0.999), ε = 10⁻⁸.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="network"/> is null.</exception>
    public Adam(IResidualNetwork<T> network)
        : this(network, From<T>(1e-3))
    {
    }

    /// <summary>β₁: the decay of the first moment.</summary>
    public double Beta1 { get; }

    /// <summary>β₂: the decay of the second moment.</summary>
    public double Beta2 { get; }

    /// <summary>ε: added to √v̂ in the denominator.</summary>
    public double Epsilon { get; }

    /// <summary>λ: coupled (Adam) or decoupled (AdamW) weight decay.</summary>
    public double WeightDecay { get; }

    /// <summary>m: the first moment of each parameter.</summary>
    public ReadOnlySpan<T> FirstMoment => _m;

    /// <summary>v: the second moment of each parameter.</summary>
    public ReadOnlySpan<T> SecondMoment => _v;

    private protected virtual bool CoupledDecay => true;

    /// <inheritdoc/>
    protected override void Apply(Span<T> parameters, ReadOnlySpan<T> gradients, long step)
    {
        // As torch: the bias corrections and the step size in double.
        double lr = ToDouble(LearningRate);
        double stepSize = lr / (1 - Math.Pow(Beta1, step)), correction2Root = Math.Sqrt(1 - Math.Pow(Beta2, step));
        bool decays = WeightDecay != 0, coupled = CoupledDecay;
        double decoupled = 1 - lr * WeightDecay;
        for (int i = 0; i < parameters.Length; i++)
        {
            double p = ToDouble(parameters[i]), g = ToDouble(gradients[i]);
            if (decays)
            {
                if (coupled)
                {
                    g += WeightDecay * p;
                }
                else
                {
                    p *= decoupled;
                }
            }

            double m = ToDouble(_m[i]), v = ToDouble(_v[i]);
            m += (1 - Beta1) * (g - m);
            v = v * Beta2 + (1 - Beta2) * g * g;
            _m[i] = From<T>(m);
            _v[i] = From<T>(v);
            parameters[i] = From<T>(p - stepSize * (m / (Math.Sqrt(v) / correction2Root + Epsilon)));
        }
    }
}

/// <summary>torch.optim.AdamW: Adam with decoupled weight decay (p ← p·(1 − lr·λ) before the update).</summary>
/// <typeparam name="T">The network's element type: float or double.</typeparam>
public sealed class AdamW<T> : Adam<T>
    where T : unmanaged
{
    /// <summary>An AdamW optimizer for <paramref name="network"/>, with torch.optim.AdamW's defaults (λ = 0.01).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="network"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of its range.</exception>
    public AdamW(IResidualNetwork<T> network, T learningRate, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, double weightDecay = 0.01, T? maxGradientNorm = null)
        : base(network, learningRate, beta1, beta2, epsilon, weightDecay, maxGradientNorm)
    {
    }

    /// <summary>An AdamW optimizer with torch's defaults: lr = 10⁻³, λ = 0.01.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="network"/> is null.</exception>
    public AdamW(IResidualNetwork<T> network)
        : this(network, From<T>(1e-3))
    {
    }

    private protected override bool CoupledDecay => false;
}
