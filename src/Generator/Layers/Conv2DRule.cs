using System.Collections.Generic;
using SkipNet.Generator.Emit;
using SkipNet.Generator.Model;
using SkipNet.Generator.Parsing;

namespace SkipNet.Generator.Layers;

/// <summary>
/// [Conv2D(name, channels, kernelSize, activation) { Stride, Padding }]: nn.Conv2d with zero padding,
/// z[o, i, j] = b[o] + Σ_c Σ_u Σ_v W[o, c, u, v]·h_prev[c, s·i + u − p, s·j + v − p]. W ("name.W")
/// is channels × C_in·k·k (weight.view(out, −1)), drawn He or Glorot over its C_in·k·k inputs; b
/// has one entry per channel. The kernels run it as a matrix product on patches (im2col), in
/// scratch the workspace shares between layers.
/// </summary>
internal sealed class Conv2DRule : LayerRule
{
    public static readonly Conv2DRule Instance = new();

    public override LayerKind Kind => LayerKind.Conv2D;

    public override int ArgumentCount => 4;

    public override LayerArguments Read(LayerAttribute a, Shape input)
    {
        var activationLocation = a.ArgumentLocation(3, "activation");
        var activation = a.Enum<Activation>(3, "Activation", activationLocation);
        int channels = a.Positive(1, "channels"), kernel = a.Positive(2, "kernelSize");
        int stride = a.Property("Stride", 1, 1), padding = a.Property("Padding", 0, 0);
        var output = new ImageShape(channels, 1, 1);
        if (a.Image(input, ShortName) is { } image && a.Windows(image, kernel, stride, padding, ShortName) is { } size)
        {
            output = new ImageShape(channels, size.Height, size.Width);
        }

        return new LayerArguments(null, null, activation, activationLocation, Output: Shape.Of(output), Kernel: kernel, Stride: stride, Padding: padding);
    }

    public override (BlockShape? Weights, int BiasRows) Blocks(LayerModel layer, Shape input)
    {
        int channels = layer.Image?.Channels ?? layer.Units;
        return (new BlockShape(channels, input.Channels * layer.Kernel * layer.Kernel), channels);
    }

    /// <summary>W drawn as PyTorch counts a convolution's fans: in C_in·k·k, out C_out·k·k.</summary>
    public override void EmitInitialization(SourceWriter w, Node node, string t) =>
        EmitDraw(w, node.Weights!, node.Activation, t, fanOut: node.Weights!.Rows * node.Layer!.Kernel * node.Layer.Kernel);

    protected override IEnumerable<string> Properties(LayerModel layer) =>
        [$"KernelSize = {layer.Kernel}", $"Stride = {layer.Stride}", $"Padding = {layer.Padding}"];

    public override string Equation(Node node, string from) =>
        $"{node.Weights!.Name} ⋆ {from} + {node.Bias!.Name}, {node.Layer!.Kernel}×{node.Layer.Kernel} kernels, stride {node.Layer.Stride}, padding {node.Layer.Padding}";

    public override void EmitForward(LoopedEmitter e, SourceWriter w, Node node)
    {
        var layer = node.Layer!;
        var from = node.Main!.From;
        w.Line($"{e.ImageKernel("Conv2DForward")}({e.Parameters(node.Weights!)}, {e.Parameters(node.Bias!)}, {e.H(from)}, {e.Z(node)}, {e.Rows}, {LoopedEmitter.Geometry(from.Shape, layer.Kernel, layer.Stride, layer.Padding)}, accumulate: false);");
    }

    public override void EmitBackward(LoopedEmitter e, SourceWriter w, Edge main, string? inputDelta)
    {
        var node = main.To;
        var layer = node.Layer!;
        var weights = node.Weights!;
        string what = inputDelta is null ? "" : $"+= {weights.Name}ᵀ ⋆ dL/dz_{node.Name} (the transposed convolution); ";
        w.Line($"{e.ImageKernel("Conv2DBackward")}({e.Parameters(weights)}, {e.Delta(node)}, {e.H(main.From)}, {inputDelta ?? e.Empty}, {e.Gradient(weights)}, {e.Rows}, {LoopedEmitter.Geometry(main.From.Shape, layer.Kernel, layer.Stride, layer.Padding)}, {e.Write}); // {what}dL/d({weights.Name}) += Σ dL/dz_{node.Name} ⋆ {LoopedEmitter.Name(main.From)}");
    }

    public override void EmitInputBackward(LoopedEmitter e, SourceWriter w, Edge main, string inputDelta)
    {
        var node = main.To;
        var layer = node.Layer!;
        w.Line($"{e.ImageKernel("Conv2DInputBackward")}({e.Parameters(node.Weights!)}, {e.Delta(node)}, {inputDelta}, {e.Rows}, {LoopedEmitter.Geometry(main.From.Shape, layer.Kernel, layer.Stride, layer.Padding)}); // += {node.Weights!.Name}ᵀ ⋆ dL/dz_{node.Name} (the transposed convolution)");
    }
}
