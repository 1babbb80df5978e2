using System;
using System.Collections.Generic;
using System.Numerics;

namespace SkipNet;

/// <summary>
/// Adam, torch.optim.Adam: g ← g + λp; m ← β1m + (1 − β1)g; v ← β2v + (1 − β2)g²;
/// p ← p − lr·m̂/(√v̂ + ε), m̂ = m/(1 − β1^t), v̂ = v/(1 − β2^t). Computed in torch's order: m by
/// lerp, then denom = √v/√(1 − β2^t) + ε and p −= (lr/(1 − β1^t))·m/denom.
/// </summary>
/// <typeparam name="T">The network's element type.</typeparam>
public class Adam<T> : Optimizer<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _m;
    private readonly T[] _v;
    private readonly Rule _rule;

    /// <summary>Creates the optimizer for <paramref name="network"/>, with torch.optim.Adam's defaults.</summary>
    /// <param name="network">The network to update.</param>
    /// <param name="learningRate">lr, a finite number ≥ 0 (PyTorch's default is 1e-3).</param>
    /// <param name="beta1">β1 in [0, 1): the decay of the first moment.</param>
    /// <param name="beta2">β2 in [0, 1): the decay of the second moment.</param>
    /// <param name="epsilon">ε &gt; 0, added to √v̂.</param>
    /// <param name="weightDecay">λ ≥ 0, added to the gradient as λp (L2 penalty; AdamW decouples it).</param>
    /// <param name="maxGradientNorm">Clip the gradient's global L2 norm to this first; null: no clipping.</param>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range; nothing is created.</exception>
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
        _rule = new Rule(this);
    }

    /// <summary>Creates the optimizer for <paramref name="network"/> with all of torch.optim.Adam's defaults (lr = 1e-3).</summary>
    public Adam(IResidualNetwork<T> network)
        : this(network, T.CreateTruncating(1e-3))
    {
    }

    /// <summary>β1.</summary>
    public double Beta1 { get; }

    /// <summary>β2.</summary>
    public double Beta2 { get; }

    /// <summary>ε.</summary>
    public double Epsilon { get; }

    /// <summary>λ.</summary>
    public double WeightDecay { get; }

    /// <summary>The first moment m (one entry per parameter).</summary>
    public ReadOnlySpan<T> FirstMoment => _m;

    /// <summary>The second moment v (one entry per parameter).</summary>
    public ReadOnlySpan<T> SecondMoment => _v;

    internal override string RuleName => CoupledDecay ? "Adam" : "AdamW";

    internal override IEnumerable<(string Name, string Value)> Settings =>
    [
        ("betas", $"{Text.Of(Beta1)}, {Text.Of(Beta2)}"), ("eps", Text.Of(Epsilon)), ("weight_decay", Text.Of(WeightDecay)),
        ("max_grad_norm", MaxGradientNorm is { } norm ? Text.Of(double.CreateTruncating(norm)) : "none"),
    ];

    internal override IEnumerable<(string Name, T[] Values)> State => [("exp_avg", _m), ("exp_avg_sq", _v)];

    /// <summary>Whether λ is applied to the gradient (Adam) rather than to the parameters directly (AdamW).</summary>
    private protected virtual bool CoupledDecay => true;

    /// <inheritdoc />
    protected override void Apply(Span<T> parameters, ReadOnlySpan<T> gradients, long step)
    {
        _rule.Prepare(step);
        _rule.Run(parameters, gradients);
    }

    /// <summary>The update of one range of parameters, with the step's constants; split over threads for large networks.</summary>
    private sealed class Rule(Adam<T> adam) : ElementwiseUpdate<T>(adam.Network.Blocks, adam.Network.ParameterCount)
    {
        private T _stepSize, _correction2Root, _mix1, _beta2, _mix2, _epsilon, _coupled, _decoupled;
        private bool _decays, _coupledDecay;

        public void Prepare(long step)
        {
            // As torch: the bias corrections and the step size in double, the elementwise work in T.
            double lr = double.CreateTruncating(adam.LearningRate);
            double correction1 = 1 - Math.Pow(adam.Beta1, step), correction2 = 1 - Math.Pow(adam.Beta2, step);
            _stepSize = T.CreateTruncating(lr / correction1);
            _correction2Root = T.CreateTruncating(Math.Sqrt(correction2));
            _mix1 = T.CreateTruncating(1 - adam.Beta1);
            _beta2 = T.CreateTruncating(adam.Beta2);
            _mix2 = T.CreateTruncating(1 - adam.Beta2);
            _epsilon = T.CreateTruncating(adam.Epsilon);
            _coupledDecay = adam.CoupledDecay;
            _coupled = _coupledDecay ? T.CreateTruncating(adam.WeightDecay) : T.Zero;
            _decoupled = _coupledDecay ? T.One : T.CreateTruncating(1 - lr * adam.WeightDecay);
            _decays = adam.WeightDecay != 0;
        }

        protected override void Update(Span<T> parameters, ReadOnlySpan<T> gradients, int offset)
        {
            T stepSize = _stepSize, correction2Root = _correction2Root, mix1 = _mix1, beta2 = _beta2, mix2 = _mix2, epsilon = _epsilon;
            T coupled = _coupled, decoupled = _decoupled;
            bool decays = _decays, coupledDecay = _coupledDecay;
            var m = adam._m.AsSpan(offset, parameters.Length);
            var v = adam._v.AsSpan(offset, parameters.Length);
            int i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                // The same operations, in the same order, a vector at a time: the results are those of the loop below.
                var vStep = new Vector<T>(stepSize);
                var vRoot = new Vector<T>(correction2Root);
                var vMix1 = new Vector<T>(mix1);
                var vBeta2 = new Vector<T>(beta2);
                var vMix2 = new Vector<T>(mix2);
                var vEpsilon = new Vector<T>(epsilon);
                var vCoupled = new Vector<T>(coupled);
                var vDecoupled = new Vector<T>(decoupled);
                for (; i <= parameters.Length - Vector<T>.Count; i += Vector<T>.Count)
                {
                    var p = new Vector<T>(parameters.Slice(i));
                    var g = new Vector<T>(gradients.Slice(i));
                    if (decays)
                    {
                        if (coupledDecay)
                        {
                            g += vCoupled * p;
                        }
                        else
                        {
                            p *= vDecoupled;
                        }
                    }

                    var mi = new Vector<T>(m.Slice(i));
                    var vi = new Vector<T>(v.Slice(i));
                    mi += vMix1 * (g - mi);
                    vi = vi * vBeta2 + vMix2 * g * g;
                    var denominator = Vector.SquareRoot(vi) / vRoot + vEpsilon;
                    (p - vStep * (mi / denominator)).CopyTo(parameters.Slice(i));
                    mi.CopyTo(m.Slice(i));
                    vi.CopyTo(v.Slice(i));
                }
            }

            for (; i < parameters.Length; i++)
            {
                T p = parameters[i], g = gradients[i];
                if (decays)
                {
                    if (coupledDecay)
                    {
                        g += coupled * p;
                    }
                    else
                    {
                        p *= decoupled;
                    }
                }

                m[i] += mix1 * (g - m[i]);
                v[i] = v[i] * beta2 + mix2 * g * g;
                T denominator = T.Sqrt(v[i]) / correction2Root + epsilon;
                parameters[i] = p - stepSize * (m[i] / denominator);
            }
        }
    }
}

/// <summary>
/// AdamW, torch.optim.AdamW: p ← p·(1 − lr·λ) first, then Adam's update with no λ in the gradient
/// (decoupled weight decay). Defaults as PyTorch's, λ = 0.01.
/// </summary>
/// <typeparam name="T">The network's element type.</typeparam>
public sealed class AdamW<T> : Adam<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates the optimizer for <paramref name="network"/>, with torch.optim.AdamW's defaults.</summary>
    /// <param name="network">The network to update.</param>
    /// <param name="learningRate">lr, a finite number ≥ 0.</param>
    /// <param name="beta1">β1 in [0, 1).</param>
    /// <param name="beta2">β2 in [0, 1).</param>
    /// <param name="epsilon">ε &gt; 0.</param>
    /// <param name="weightDecay">λ ≥ 0, the decoupled decay p ← p·(1 − lr·λ).</param>
    /// <param name="maxGradientNorm">Clip the gradient's global L2 norm to this first; null: no clipping.</param>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range; nothing is created.</exception>
    public AdamW(IResidualNetwork<T> network, T learningRate, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, double weightDecay = 0.01, T? maxGradientNorm = null)
        : base(network, learningRate, beta1, beta2, epsilon, weightDecay, maxGradientNorm)
    {
    }

    /// <summary>Creates the optimizer for <paramref name="network"/> with all of torch.optim.AdamW's defaults (lr = 1e-3, λ = 0.01).</summary>
    public AdamW(IResidualNetwork<T> network)
        : this(network, T.CreateTruncating(1e-3))
    {
    }

    private protected override bool CoupledDecay => false;
}
