using SkipNet;
using SkipNet.CompilerServices;

namespace SkipConnections;

/// <summary>One network of the comparison: how deep, which activation, with or without skips.</summary>
public sealed record Variant(int Depth, Activation Activation, bool Skips, Func<int, IResidualNetwork<double>> Create)
{
    public string Name => $"{(Skips ? "skip" : "plain")} {Activation} {Depth}";

    /// <summary>All twelve: depth 8, 16, 32 × Tanh, ReLU × plain, skip.</summary>
    public static IReadOnlyList<Variant> All { get; } =
    [
        new(8, Activation.Tanh, false, s => new PlainTanh8(s)), new(8, Activation.Tanh, true, s => new SkipTanh8(s)),
        new(8, Activation.ReLU, false, s => new PlainReLU8(s)), new(8, Activation.ReLU, true, s => new SkipReLU8(s)),
        new(16, Activation.Tanh, false, s => new PlainTanh16(s)), new(16, Activation.Tanh, true, s => new SkipTanh16(s)),
        new(16, Activation.ReLU, false, s => new PlainReLU16(s)), new(16, Activation.ReLU, true, s => new SkipReLU16(s)),
        new(32, Activation.Tanh, false, s => new PlainTanh32(s)), new(32, Activation.Tanh, true, s => new SkipTanh32(s)),
        new(32, Activation.ReLU, false, s => new PlainReLU32(s)), new(32, Activation.ReLU, true, s => new SkipReLU32(s)),
    ];
}

/// <summary>What one variant did: ‖dL/dh‖ per hidden layer at initialization, and the loss while training.</summary>
public sealed record Result(Variant Variant, double[] GradientNorms, List<(int Step, double Loss)> Losses)
{
    /// <summary>The loss on all the data at the first measurement at or after <paramref name="step"/>.</summary>
    public double LossAt(int step) => Losses.First(l => l.Step >= step).Loss;
}

/// <summary>The regression task, the measurements and the training loop, the same for every variant.</summary>
public static class Experiment
{
    public const int Inputs = 8;
    public const int Samples = 512;
    public const int Batch = 32;

    /// <summary>x uniform in [−1, 1]⁸; y = sin(π·x0)·x1 + x2·x3 − 0.5·x4² + 0.3·x5 (x6, x7 are noise).</summary>
    public static (double[] X, double[] Y) MakeData(int seed)
    {
        var random = new Random(seed);
        var x = new double[Samples * Inputs];
        var y = new double[Samples];
        for (int s = 0; s < Samples; s++)
        {
            var row = x.AsSpan(s * Inputs, Inputs);
            for (int i = 0; i < Inputs; i++)
            {
                row[i] = random.NextDouble() * 2 - 1;
            }

            y[s] = Math.Sin(Math.PI * row[0]) * row[1] + row[2] * row[3] - 0.5 * row[4] * row[4] + 0.3 * row[5];
        }

        return (x, y);
    }

    /// <summary>
    /// Multiplies the weights of every hidden layer after the first (h1.W … ) by <paramref name="scale"/>:
    /// the residual branches start weak, while h0 (from x) and the output keep their initialization.
    /// </summary>
    public static void ScaleHiddenWeights(IResidualNetwork<double> net, double scale)
    {
        foreach (var block in net.Blocks.Where(b => b.Name.EndsWith(".W", StringComparison.Ordinal) && b.Name is not "h0.W" and not "y.W"))
        {
            foreach (ref double w in block.Of(net.Parameters))
            {
                w *= scale;
            }
        }
    }

    /// <summary>The variance of the targets: the mean squared error of always answering their mean.</summary>
    public static double Variance(double[] y)
    {
        double mean = y.Average();
        return y.Sum(v => (v - mean) * (v - mean)) / y.Length;
    }

    /// <summary>
    /// The gradient reaching each hidden layer at initialization: ‖dL/dh_i‖ for i = 0 … depth − 1,
    /// averaged over the first <paramref name="samples"/> samples, read from <see cref="Derivation"/>
    /// (the same numbers the generated Backward computes).
    /// </summary>
    public static double[] GradientNorms(IResidualNetwork<double> net, double[] x, double[] y, int depth, int samples = 32)
    {
        var norms = new double[depth];
        for (int s = 0; s < samples; s++)
        {
            var derivation = Derivation.Of(net, x.AsSpan(s * Inputs, Inputs), y.AsSpan(s, 1), 0.0);
            for (int i = 0; i < depth; i++)
            {
                norms[i] += Math.Sqrt(derivation.ValuesOf($"dL/dh{i}").Sum(g => g * g)) / samples;
            }
        }

        return norms;
    }

    /// <summary>Plain SGD on mini-batches taken in order; the loss on all the data every <paramref name="every"/> steps.</summary>
    public static List<(int Step, double Loss)> Train(IResidualNetwork<double> net, double[] x, double[] y, int steps, double learningRate, int every, Action<int>? progress = null)
    {
        var losses = new List<(int, double)> { (0, net.Evaluate(x, y)) };
        int batches = Samples / Batch;
        for (int step = 1; step <= steps; step++)
        {
            int b = (step - 1) % batches;
            net.TrainStep(x.AsSpan(b * Batch * Inputs, Batch * Inputs), y.AsSpan(b * Batch, Batch), learningRate);
            if (step % every == 0)
            {
                losses.Add((step, net.Evaluate(x, y)));
                progress?.Invoke(every);
            }
        }

        return losses;
    }
}
