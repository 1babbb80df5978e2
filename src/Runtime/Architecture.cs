using System;
using System.Collections.Generic;
using System.Linq;

namespace SkipNet;

/// <summary>
/// A generated network's declaration, as data: its input width, layers, skip edges, loss and
/// parameter layout. Every generated class offers it as <c>Architecture</c>; <see cref="Derivation"/>
/// reads it to explain a training step.
/// </summary>
/// <param name="InputSize">Width of one input sample x.</param>
/// <param name="Loss">The training loss.</param>
/// <param name="Layers">The dense layers, in declaration order; the last is the output ŷ.</param>
/// <param name="Skips">The skip edges, in declaration order.</param>
/// <param name="Blocks">The parameter blocks, in layout order (<see href="https://github.com/skipnet/skipnet/blob/main/docs/conventions.md">docs/conventions.md</see>).</param>
/// <param name="HuberDelta">δ of <see cref="SkipNet.Loss.Huber"/> (1 unless declared otherwise).</param>
public sealed partial record NetworkArchitecture(
    int InputSize,
    Loss Loss,
    IReadOnlyList<LayerInfo> Layers,
    IReadOnlyList<SkipInfo> Skips,
    IReadOnlyList<ParameterBlock> Blocks,
    double HuberDelta = 1.0)
{
    /// <summary>The input as an image, [C, H, W] (<see cref="ResidualAttribute.InputShape"/>), or null for a vector input.</summary>
    public IReadOnlyList<int>? InputShape { get; init; }

    /// <summary>
    /// The network's [Differentiable] loss (<see cref="ResidualAttribute.LossFunction"/>), which replaces
    /// <see cref="Loss"/> (then <see cref="SkipNet.Loss.MSE"/>'s reduction: the mean over every output); null for a built-in loss.
    /// </summary>
    public DifferentiableFunction? LossFunction { get; init; }

    /// <summary>The image shape [C, H, W] of a node's output ("x" for the input), or null when it is a vector.</summary>
    /// <exception cref="ArgumentException">No layer has that name.</exception>
    public IReadOnlyList<int>? ShapeOf(string node)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (node == "x")
        {
            return InputShape;
        }

        foreach (var layer in Layers)
        {
            if (layer.Name == node)
            {
                return layer.Shape;
            }
        }

        throw new ArgumentException($"The network has no layer '{node}'.", nameof(node));
    }
    /// <summary>
    /// The network's buffers, in the layout of <see cref="IResidualNetwork{T}.Buffers"/>: for each
    /// BatchNorm layer in declaration order, "name.running_mean" then "name.running_var" (one per
    /// feature, or per channel after an image: <see cref="LayerInfo.Channels"/> × 1).
    /// State that training updates but no gradient reaches: saved with the weights, never in the parameters.
    /// </summary>
    public IReadOnlyList<ParameterBlock> Buffers
    {
        get
        {
            var buffers = new List<ParameterBlock>();
            int offset = 0;
            foreach (var layer in Layers)
            {
                if (layer.Kind == LayerKind.BatchNorm)
                {
                    buffers.Add(new ParameterBlock(layer.Name + ".running_mean", offset, layer.Channels, 1));
                    buffers.Add(new ParameterBlock(layer.Name + ".running_var", offset + layer.Channels, layer.Channels, 1));
                    offset += 2 * layer.Channels;
                }
            }

            return buffers;
        }
    }

    /// <summary>The BatchNorm layers' names, in declaration order: the order of <see cref="IResidualNetwork{T}.BatchesTracked"/>.</summary>
    public IReadOnlyList<string> BatchNormLayers => Layers.Where(l => l.Kind == LayerKind.BatchNorm).Select(l => l.Name).ToList();

    /// <summary>
    /// The shape of a block as a tensor of the equivalent PyTorch module (what safetensors files and
    /// ONNX initializers hold): W and S 2-D [rows, cols]; a convolution's W 4-D [out, in, k, k] and a
    /// skip between images [C_to, C_from, 1, 1]; b and a BatchNorm's γ 1-D [rows]; a LayerNorm's γ
    /// and β the shape of what it normalizes ([width], or [C, H, W] after an image).
    /// </summary>
    public long[] TensorShape(ParameterBlock block)
    {
        ArgumentNullException.ThrowIfNull(block);
        string owner = block.Name[..block.Name.LastIndexOf('.')];
        int arrow = owner.IndexOf("->", StringComparison.Ordinal);
        if (arrow >= 0)
        {
            bool images = ShapeOf(owner[..arrow]) is not null && ShapeOf(owner[(arrow + 2)..]) is not null;
            return images ? [block.Rows, block.Cols, 1, 1] : [block.Rows, block.Cols];
        }

        var layer = Layers.FirstOrDefault(l => l.Name == owner);
        return layer?.Kind switch
        {
            LayerKind.LayerNorm when layer.Shape is { } image => image.Select(d => (long)d).ToArray(),
            LayerKind.LayerNorm or LayerKind.BatchNorm => [block.Rows],
            LayerKind.Conv2D when !block.Name.EndsWith(".b", StringComparison.Ordinal) =>
                [block.Rows, block.Cols / (layer.KernelSize * layer.KernelSize), layer.KernelSize, layer.KernelSize],
            _ when block.Name.EndsWith(".b", StringComparison.Ordinal) => [block.Rows],
            _ => [block.Rows, block.Cols],
        };
    }

    /// <summary>Width of one output sample: the last layer's width.</summary>
    public int OutputSize => Layers.Count == 0 ? 0 : Layers[Layers.Count - 1].Width;

    /// <summary>The block named <paramref name="name"/> ("h0.W", "h0.b", "h0->y.S").</summary>
    /// <exception cref="ArgumentException">No block has that name.</exception>
    public ParameterBlock Block(string name)
    {
        foreach (var block in Blocks)
        {
            if (block.Name == name)
            {
                return block;
            }
        }

        throw new ArgumentException($"The network has no parameter block '{name}'.", nameof(name));
    }

    /// <summary>
    /// The inputs of layer <paramref name="layer"/>'s pre-activation, in the order SkipNet adds them:
    /// z = W·h_prev + b + Σ skips. First the layer's own operation (<c>From</c> the previous layer, or
    /// "x" for the first; <c>Matrix</c> "layer.W" for a Dense layer, null for the other kinds, whose
    /// operation <see cref="LayerInfo.Kind"/> names), then each skip edge into the layer in declaration
    /// order (<c>Matrix</c> "from->layer.S" for a weighted one, null for an identity one). The bias
    /// "layer.b" is added after the first. Every consumer of the rule (Explain, the PyTorch module,
    /// the ONNX graph) reads it here.
    /// </summary>
    /// <exception cref="ArgumentException">No layer has that name.</exception>
    public IReadOnlyList<LayerInput> InputsOf(string layer)
    {
        int index = -1;
        for (int i = 0; i < Layers.Count; i++)
        {
            if (Layers[i].Name == layer)
            {
                index = i;
                break;
            }
        }

        if (index < 0)
        {
            throw new ArgumentException($"The network has no layer '{layer}'.", nameof(layer));
        }

        var own = Layers[index].Kind == LayerKind.Dense ? layer + ".W" : null;
        var inputs = new List<LayerInput> { new(index == 0 ? "x" : Layers[index - 1].Name, own, null) };
        foreach (var skip in Skips)
        {
            if (skip.To == layer)
            {
                inputs.Add(new LayerInput(skip.From, skip.Kind == SkipKind.Weighted ? $"{skip.From}->{skip.To}.S" : null, skip.Kind));
            }
        }

        return inputs;
    }
}

/// <summary>One term of a layer's pre-activation (<see cref="NetworkArchitecture.InputsOf"/>): Matrix·h_From, or h_From itself.</summary>
/// <param name="From">The layer whose activation is read, or "x" for the input.</param>
/// <param name="Matrix">The block that multiplies it ("h1.W", "h0->y.S"), or null for an identity skip.</param>
/// <param name="Skip">The skip edge's kind, or null for the layer's own product W·h_prev.</param>
public sealed record LayerInput(string From, string? Matrix, SkipKind? Skip);

/// <summary>One layer: z = its operation on h_prev (<see cref="Kind"/>) + skips, h = f(z).</summary>
/// <param name="Name">The declared name.</param>
/// <param name="Width">Number of units (for LayerNorm and Dropout, the previous layer's width).</param>
/// <param name="Activation">f (Identity for Dropout).</param>
/// <param name="Alpha">LeakyReLU's slope below 0 (unused by other activations).</param>
public sealed record LayerInfo(string Name, int Width, Activation Activation, double Alpha = 0.01)
{
    /// <summary>What the layer computes from h_prev (default <see cref="LayerKind.Dense"/>).</summary>
    public LayerKind Kind { get; init; } = LayerKind.Dense;

    /// <summary>ε of a <see cref="LayerKind.LayerNorm"/> layer (1e-5 unless declared).</summary>
    public double Epsilon { get; init; } = 1e-5;

    /// <summary>The probability p of a <see cref="LayerKind.Dropout"/> layer (0 for other kinds).</summary>
    public double P { get; init; }

    /// <summary>The momentum m of a <see cref="LayerKind.BatchNorm"/> layer's running statistics (0.1 unless declared).</summary>
    public double Momentum { get; init; } = 0.1;

    /// <summary>The layer's output as an image, [C, H, W] (<see cref="Width"/> = C·H·W), or null when it is a vector.</summary>
    public IReadOnlyList<int>? Shape { get; init; }

    /// <summary>The side k of a <see cref="LayerKind.Conv2D"/> kernel or a pooling window (0 for other kinds).</summary>
    public int KernelSize { get; init; }

    /// <summary>The stride of a <see cref="LayerKind.Conv2D"/> or a pooling layer (0 for other kinds).</summary>
    public int Stride { get; init; }

    /// <summary>The zero padding on every side of a <see cref="LayerKind.Conv2D"/> layer's input.</summary>
    public int Padding { get; init; }

    /// <summary>The layer's [Differentiable] function (<c>Function = nameof(…)</c>), which replaces its activation; null for a built-in activation.</summary>
    public DifferentiableFunction? Function { get; init; }

    /// <summary>The number of channels of the output (C of <see cref="Shape"/>), or <see cref="Width"/> for a vector: a BatchNorm's γ, β and running statistics have one each.</summary>
    public int Channels => Shape is { Count: > 0 } shape ? shape[0] : Width;
}

/// <summary>A skip edge: adds h_From (identity) or S·h_From (weighted) into z_To.</summary>
/// <param name="From">A layer name, or "x" for the input.</param>
/// <param name="To">A later layer's name.</param>
/// <param name="Kind">Identity or weighted.</param>
public sealed record SkipInfo(string From, string To, SkipKind Kind);
