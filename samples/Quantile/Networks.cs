using SkipNet;

namespace Quantile;

// The same residual MLP three times, each trained for one quantile τ of the target with its own
// pinball loss: ℓ(ŷ, y) = τ·(y − ŷ) when y ≥ ŷ, (τ − 1)·(y − ŷ) otherwise. Minimizing its mean puts
// a fraction τ of the targets below the prediction. Mish is x·tanh(softplus(x)).

[Residual(Inputs = 1, LossFunction = nameof(Pinball))]
[Dense("h0", 32, Function = nameof(Mish))]
[Dense("h1", 32, Function = nameof(Mish))]
[Dense("y", 1)]
[Skip("h0", "h1")]
public partial class Quantile10
{
    [Differentiable] static double Mish(double x) => x * Math.Tanh(Math.Log(1 + Math.Exp(x)));

    [Differentiable]
    static double Pinball(double yhat, double y)
    {
        const double tau = 0.1;
        double r = y - yhat;
        return r >= 0 ? tau * r : (tau - 1) * r;
    }
}

[Residual(Inputs = 1, LossFunction = nameof(Pinball))]
[Dense("h0", 32, Function = nameof(Mish))]
[Dense("h1", 32, Function = nameof(Mish))]
[Dense("y", 1)]
[Skip("h0", "h1")]
public partial class Quantile50
{
    [Differentiable] static double Mish(double x) => x * Math.Tanh(Math.Log(1 + Math.Exp(x)));

    [Differentiable]
    static double Pinball(double yhat, double y)
    {
        const double tau = 0.5;
        double r = y - yhat;
        return r >= 0 ? tau * r : (tau - 1) * r;
    }
}

[Residual(Inputs = 1, LossFunction = nameof(Pinball))]
[Dense("h0", 32, Function = nameof(Mish))]
[Dense("h1", 32, Function = nameof(Mish))]
[Dense("y", 1)]
[Skip("h0", "h1")]
public partial class Quantile90
{
    [Differentiable] static double Mish(double x) => x * Math.Tanh(Math.Log(1 + Math.Exp(x)));

    [Differentiable]
    static double Pinball(double yhat, double y)
    {
        const double tau = 0.9;
        double r = y - yhat;
        return r >= 0 ? tau * r : (tau - 1) * r;
    }
}
