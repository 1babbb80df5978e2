namespace SkipNet.Generator.Tests;

/// <summary>
/// An independent, deliberately plain interpreter of docs/conventions.md: the layout of the
/// parameter vector and the forward pass, in double. The generated code is checked against it.
/// Each activation's f and each loss's per-element ℓ come from the runtime's descriptors
/// (<see cref="ActivationInfo"/>, <see cref="LossInfo"/>), which <c>ConformanceTests</c> checks
/// against PyTorch's definitions written out, member by member.
/// </summary>
public static class Reference
{
    public sealed record Block(string Name, int Offset, int Rows, int Cols);

    public static List<Block> Layout(NetSpec spec)
    {
        var blocks = new List<Block>();
        int offset = 0;
        string previous = "x";
        foreach (var layer in spec.Layers)
        {
            void Add(string name, int rows, int cols)
            {
                blocks.Add(new Block(name, offset, rows, cols));
                offset += rows * cols;
            }

            switch (layer.Kind)
            {
                case LayerKind.Dense:
                    Add(layer.Name + ".W", layer.Units, spec.Width(previous));
                    Add(layer.Name + ".b", layer.Units, 1);
                    break;
                case LayerKind.LayerNorm or LayerKind.BatchNorm:
                    Add(layer.Name + ".W", layer.Units, 1); // γ
                    Add(layer.Name + ".b", layer.Units, 1); // β
                    break;
            }

            foreach (var skip in spec.Skips.Where(s => s.To == layer.Name && s.Kind == SkipKind.Weighted))
            {
                Add($"{skip.From}->{skip.To}.S", layer.Units, spec.Width(skip.From));
            }

            previous = layer.Name;
        }

        return blocks;
    }

    /// <summary>Pre-activations and activations of every layer for one sample (eval mode; BatchNorm with the starting statistics, mean 0 and variance 1).</summary>
    public static (Dictionary<string, double[]> Z, Dictionary<string, double[]> H) Forward(NetSpec spec, ReadOnlySpan<double> p, ReadOnlySpan<double> x)
        => Forward(spec, p, x, StartingBuffers(spec));

    /// <summary>The running statistics as they start: per BatchNorm layer in declaration order, its means (0) then its variances (1).</summary>
    public static double[] StartingBuffers(NetSpec spec) =>
        spec.Layers.Where(l => l.Kind == LayerKind.BatchNorm).SelectMany(l => Enumerable.Repeat(0.0, l.Units).Concat(Enumerable.Repeat(1.0, l.Units))).ToArray();

    /// <summary>Pre-activations and activations of every layer for one sample, in eval mode, BatchNorm with these running statistics.</summary>
    public static (Dictionary<string, double[]> Z, Dictionary<string, double[]> H) Forward(NetSpec spec, ReadOnlySpan<double> p, ReadOnlySpan<double> x, ReadOnlySpan<double> buffers)
    {
        var running = new Dictionary<string, (double[] Mean, double[] Variance)>();
        int offset = 0;
        foreach (var layer in spec.Layers.Where(l => l.Kind == LayerKind.BatchNorm))
        {
            running[layer.Name] = (buffers.Slice(offset, layer.Units).ToArray(), buffers.Slice(offset + layer.Units, layer.Units).ToArray());
            offset += 2 * layer.Units;
        }

        var blocks = Layout(spec).ToDictionary(b => b.Name);
        var h = new Dictionary<string, double[]> { ["x"] = x.ToArray() };
        var z = new Dictionary<string, double[]>();
        string previous = "x";
        foreach (var layer in spec.Layers)
        {
            var zl = Own(layer, blocks, p, h[previous], running);
            for (int r = 0; r < layer.Units; r++)
            {
                double sum = zl[r];

                foreach (var skip in spec.Skips.Where(s => s.To == layer.Name))
                {
                    switch (skip.Kind)
                    {
                        case SkipKind.Identity:
                            sum += h[skip.From][r];
                            break;
                        case SkipKind.Weighted:
                            var s = blocks[$"{skip.From}->{skip.To}.S"];
                            for (int c = 0; c < s.Cols; c++)
                            {
                                sum += p[s.Offset + r * s.Cols + c] * h[skip.From][c];
                            }

                            break;
                        default:
                            throw new InvalidOperationException("The reference does not know the skip kind " + skip.Kind);
                    }
                }

                zl[r] = sum;
            }

            z[layer.Name] = zl;
            h[layer.Name] = zl.Select(v => Activate(layer, v)).ToArray();
            previous = layer.Name;
        }

        return (z, h);
    }

    /// <summary>
    /// The layer's own operation on h_prev, in eval mode: W·h + b (Dense); γ⊙(h − μ)/√(σ² + ε) + β
    /// with the biased variance (LayerNorm, nn.LayerNorm); h itself (Dropout); γ⊙(h − running mean)/√(running
    /// variance + ε) + β (BatchNorm, nn.BatchNorm1d in eval mode).
    /// </summary>
    private static double[] Own(NetSpec.Layer layer, Dictionary<string, Block> blocks, ReadOnlySpan<double> p, double[] input, Dictionary<string, (double[] Mean, double[] Variance)> running)
    {
        var z = new double[layer.Units];
        switch (layer.Kind)
        {
            case LayerKind.Dense:
                var w = blocks[layer.Name + ".W"];
                var b = blocks[layer.Name + ".b"];
                for (int r = 0; r < layer.Units; r++)
                {
                    double sum = p[b.Offset + r];
                    for (int c = 0; c < w.Cols; c++)
                    {
                        sum += p[w.Offset + r * w.Cols + c] * input[c];
                    }

                    z[r] = sum;
                }

                return z;
            case LayerKind.LayerNorm:
                var gamma = blocks[layer.Name + ".W"];
                var beta = blocks[layer.Name + ".b"];
                double mean = input.Average();
                double variance = input.Select(v => (v - mean) * (v - mean)).Average();
                for (int r = 0; r < layer.Units; r++)
                {
                    z[r] = p[gamma.Offset + r] * (input[r] - mean) / Math.Sqrt(variance + layer.Epsilon) + p[beta.Offset + r];
                }

                return z;
            case LayerKind.Dropout:
                return input.ToArray();
            case LayerKind.BatchNorm:
                var (mu, sigma2) = running[layer.Name];
                var g = blocks[layer.Name + ".W"];
                var bb = blocks[layer.Name + ".b"];
                for (int r = 0; r < layer.Units; r++)
                {
                    z[r] = p[g.Offset + r] * (input[r] - mu[r]) / Math.Sqrt(sigma2[r] + layer.Epsilon) + p[bb.Offset + r];
                }

                return z;
            default:
                throw new InvalidOperationException("The reference does not know the layer kind " + layer.Kind);
        }
    }

    private static double Activate(NetSpec.Layer layer, double z) => ActivationInfo.Of(layer.Activation).Forward(z, layer.Alpha);

    /// <summary>One sample's loss, summed over its outputs; the mean divides by <see cref="Divisor"/>.</summary>
    public static double Loss(NetSpec spec, double[] prediction, ReadOnlySpan<double> target)
    {
        if (spec.Loss == SkipNet.Loss.CrossEntropy)
        {
            // −Σ y_c·log softmax(ŷ)_c, with the largest logit taken out of the exponentials.
            double max = prediction.Max(), exps = prediction.Sum(v => Math.Exp(v - max));
            double loss = 0;
            for (int c = 0; c < prediction.Length; c++)
            {
                loss -= target[c] * (prediction[c] - max - Math.Log(exps));
            }

            return loss;
        }

        var element = LossInfo.Of(spec.Loss).Element!;
        double sum = 0;
        for (int i = 0; i < prediction.Length; i++)
        {
            sum += element(prediction[i], target[i], spec.HuberDelta);
        }

        return sum;
    }

    /// <summary>What the summed loss of a batch is divided by: its samples for cross-entropy, else its elements.</summary>
    public static double Divisor(NetSpec spec, int samples) =>
        spec.Loss == SkipNet.Loss.CrossEntropy ? samples : samples * spec.Layers[^1].Units;
}
