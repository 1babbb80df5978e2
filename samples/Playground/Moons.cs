using SkipNet;

namespace Playground;

/// <summary>Two interleaving half circles with noise (scikit-learn's make_moons), labels 0 and 1.</summary>
public static class TwoMoons
{
    public static (double[] X, double[] Y) Draw(int samples, double noise, int seed)
    {
        var random = new Random(seed);
        double Gaussian() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        var x = new double[2 * samples];
        var y = new double[samples];
        for (int s = 0; s < samples; s++)
        {
            int label = s % 2;
            double t = Math.PI * random.NextDouble();
            x[2 * s] = (label == 0 ? Math.Cos(t) : 1 - Math.Cos(t)) + noise * Gaussian();
            x[2 * s + 1] = (label == 0 ? Math.Sin(t) : 0.5 - Math.Sin(t)) + noise * Gaussian();
            y[s] = label;
        }

        return (x, y);
    }
}

/// <summary>A deep, narrow Tanh MLP with an identity skip into every hidden layer after the first.</summary>
[Residual(Inputs = 2, Loss = Loss.BinaryCrossEntropy)]
[Dense("h0", 8, Activation.Tanh)]
[Dense("h1", 8, Activation.Tanh)]
[Dense("h2", 8, Activation.Tanh)]
[Dense("h3", 8, Activation.Tanh)]
[Dense("h4", 8, Activation.Tanh)]
[Dense("h5", 8, Activation.Tanh)]
[Dense("y", 1)]
[Skip("h0", "h1")]
[Skip("h1", "h2")]
[Skip("h2", "h3")]
[Skip("h3", "h4")]
[Skip("h4", "h5")]
public partial class MoonsResidual;

/// <summary>The same layers without the skip edges.</summary>
[Residual(Inputs = 2, Loss = Loss.BinaryCrossEntropy)]
[Dense("h0", 8, Activation.Tanh)]
[Dense("h1", 8, Activation.Tanh)]
[Dense("h2", 8, Activation.Tanh)]
[Dense("h3", 8, Activation.Tanh)]
[Dense("h4", 8, Activation.Tanh)]
[Dense("h5", 8, Activation.Tanh)]
[Dense("y", 1)]
public partial class MoonsPlain;
