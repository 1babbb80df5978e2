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
                case LayerKind.LayerNorm:
                    Add(layer.Name + ".W", layer.Units, 1); // γ, one per value (C·H·W after an image)
                    Add(layer.Name + ".b", layer.Units, 1); // β
                    break;
                case LayerKind.BatchNorm:
                    Add(layer.Name + ".W", Channels(layer), 1); // γ, one per feature or channel
                    Add(layer.Name + ".b", Channels(layer), 1); // β
                    break;
                case LayerKind.Conv2D:
                    Add(layer.Name + ".W", layer.Shape![0], spec.ShapeOf(previous)![0] * layer.Kernel * layer.Kernel); // weight.view(out, −1)
                    Add(layer.Name + ".b", layer.Shape[0], 1);
                    break;
            }

            foreach (var skip in spec.Skips.Where(s => s.To == layer.Name && s.Kind == SkipKind.Weighted))
            {
                // Between images a 1×1 convolution (C_to × C_from), otherwise a matrix.
                if (spec.ShapeOf(skip.From) is { } from && layer.Shape is { } to)
                {
                    Add($"{skip.From}->{skip.To}.S", to[0], from[0]);
                }
                else
                {
                    Add($"{skip.From}->{skip.To}.S", layer.Units, spec.Width(skip.From));
                }
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
        spec.Layers.Where(l => l.Kind == LayerKind.BatchNorm).SelectMany(l => Enumerable.Repeat(0.0, Channels(l)).Concat(Enumerable.Repeat(1.0, Channels(l)))).ToArray();

    /// <summary>A BatchNorm's channels: C after an image, every feature after a vector.</summary>
    public static int Channels(NetSpec.Layer layer) => layer.Shape?[0] ?? layer.Units;

    /// <summary>Pre-activations and activations of every layer for one sample, in eval mode, BatchNorm with these running statistics.</summary>
    public static (Dictionary<string, double[]> Z, Dictionary<string, double[]> H) Forward(NetSpec spec, ReadOnlySpan<double> p, ReadOnlySpan<double> x, ReadOnlySpan<double> buffers)
    {
        var running = new Dictionary<string, (double[] Mean, double[] Variance)>();
        int offset = 0;
        foreach (var layer in spec.Layers.Where(l => l.Kind == LayerKind.BatchNorm))
        {
            int channels = Channels(layer);
            running[layer.Name] = (buffers.Slice(offset, channels).ToArray(), buffers.Slice(offset + channels, channels).ToArray());
            offset += 2 * channels;
        }

        var blocks = Layout(spec).ToDictionary(b => b.Name);
        var h = new Dictionary<string, double[]> { ["x"] = x.ToArray() };
        var z = new Dictionary<string, double[]>();
        string previous = "x";
        foreach (var layer in spec.Layers)
        {
            var zl = Own(layer, spec.ShapeOf(previous), blocks, p, h[previous], running);
            foreach (var skip in spec.Skips.Where(s => s.To == layer.Name && s.Kind == SkipKind.Weighted && spec.ShapeOf(s.From) is not null && layer.Shape is not null))
            {
                // A 1×1 convolution without bias, stride H_from/H_to: z[o, i, j] += Σ_c S[o, c]·h[c, s·i, s·j].
                int[] a = spec.ShapeOf(skip.From)!, b = layer.Shape!;
                var sk = blocks[$"{skip.From}->{skip.To}.S"];
                int stride = a[1] / b[1];
                for (int o = 0; o < b[0]; o++)
                {
                    for (int i = 0; i < b[1]; i++)
                    {
                        for (int j = 0; j < b[2]; j++)
                        {
                            for (int c = 0; c < a[0]; c++)
                            {
                                zl[(o * b[1] + i) * b[2] + j] += p[sk.Offset + o * a[0] + c] * h[skip.From][(c * a[1] + stride * i) * a[2] + stride * j];
                            }
                        }
                    }
                }
            }

            for (int r = 0; r < layer.Units; r++)
            {
                double sum = zl[r];

                foreach (var skip in spec.Skips.Where(s => s.To == layer.Name && !(s.Kind == SkipKind.Weighted && spec.ShapeOf(s.From) is not null && layer.Shape is not null)))
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
    private static double[] Own(NetSpec.Layer layer, int[]? inputShape, Dictionary<string, Block> blocks, ReadOnlySpan<double> p, double[] input, Dictionary<string, (double[] Mean, double[] Variance)> running)
    {
        var z = new double[layer.Units];
        int k = layer.Kernel, stride = layer.Stride;
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
                // Per feature, or per channel of an image (nn.BatchNorm2d): value r belongs to channel r / (H·W).
                var (mu, sigma2) = running[layer.Name];
                var g = blocks[layer.Name + ".W"];
                var bb = blocks[layer.Name + ".b"];
                int spatial = layer.Units / Channels(layer);
                for (int r = 0; r < layer.Units; r++)
                {
                    int c = r / spatial;
                    z[r] = p[g.Offset + c] * (input[r] - mu[c]) / Math.Sqrt(sigma2[c] + layer.Epsilon) + p[bb.Offset + c];
                }

                return z;
            case LayerKind.Conv2D:
            {
                // nn.Conv2d: z[o, i, j] = b[o] + Σ_c Σ_u Σ_v W[o, c, u, v]·h[c, s·i + u − p, s·j + v − p], zeros outside.
                int[] a = inputShape!, o = layer.Shape!;
                var kw = blocks[layer.Name + ".W"];
                var kb = blocks[layer.Name + ".b"];
                for (int oc = 0; oc < o[0]; oc++)
                {
                    for (int i = 0; i < o[1]; i++)
                    {
                        for (int j = 0; j < o[2]; j++)
                        {
                            double sum = p[kb.Offset + oc];
                            for (int c = 0; c < a[0]; c++)
                            {
                                for (int u = 0; u < k; u++)
                                {
                                    for (int v = 0; v < k; v++)
                                    {
                                        int row = stride * i + u - layer.Padding, col = stride * j + v - layer.Padding;
                                        if (row >= 0 && row < a[1] && col >= 0 && col < a[2])
                                        {
                                            sum += p[kw.Offset + ((oc * a[0] + c) * k + u) * k + v] * input[(c * a[1] + row) * a[2] + col];
                                        }
                                    }
                                }
                            }

                            z[(oc * o[1] + i) * o[2] + j] = sum;
                        }
                    }
                }

                return z;
            }

            case LayerKind.MaxPool2D or LayerKind.AvgPool2D:
            {
                int[] a = inputShape!, o = layer.Shape!;
                for (int c = 0; c < o[0]; c++)
                {
                    for (int i = 0; i < o[1]; i++)
                    {
                        for (int j = 0; j < o[2]; j++)
                        {
                            var window = new List<double>();
                            for (int u = 0; u < k; u++)
                            {
                                for (int v = 0; v < k; v++)
                                {
                                    window.Add(input[(c * a[1] + stride * i + u) * a[2] + stride * j + v]);
                                }
                            }

                            z[(c * o[1] + i) * o[2] + j] = layer.Kind == LayerKind.MaxPool2D ? window.Max() : window.Average();
                        }
                    }
                }

                return z;
            }

            case LayerKind.GlobalAvgPool2D:
            {
                int plane = inputShape![1] * inputShape[2];
                for (int c = 0; c < layer.Units; c++)
                {
                    z[c] = input.Skip(c * plane).Take(plane).Average();
                }

                return z;
            }

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
