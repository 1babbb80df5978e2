using System;
using System.Collections.Generic;

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
}

/// <summary>One dense layer: z = W·h_prev + b (+ skips), h = f(z).</summary>
/// <param name="Name">The declared name.</param>
/// <param name="Width">Number of units.</param>
/// <param name="Activation">f.</param>
/// <param name="Alpha">LeakyReLU's slope below 0 (unused by other activations).</param>
public sealed record LayerInfo(string Name, int Width, Activation Activation, double Alpha = 0.01);

/// <summary>A skip edge: adds h_From (identity) or S·h_From (weighted) into z_To.</summary>
/// <param name="From">A layer name, or "x" for the input.</param>
/// <param name="To">A later layer's name.</param>
/// <param name="Kind">Identity or weighted.</param>
public sealed record SkipInfo(string From, string To, SkipKind Kind);
