using SkipNet.Generator.Emit;
using SkipNet.Generator.Model;
using SkipNet.Generator.Parsing;

namespace SkipNet.Generator.Layers;

/// <summary>
/// [MaxPool2D(name, kernelSize) { Stride }] and [AvgPool2D(name, kernelSize) { Stride }]: each
/// channel's k × k windows, Stride apart (k unless set), without padding, give their maximum
/// (nn.MaxPool2d; the gradient goes to the first maximum in row-major order) or their mean
/// (nn.AvgPool2d). No parameters, no activation.
/// </summary>
internal sealed class PoolRule : LayerRule
{
    public static readonly PoolRule Max = new(LayerKind.MaxPool2D);

    public static readonly PoolRule Average = new(LayerKind.AvgPool2D);

    private PoolRule(LayerKind kind) => Kind = kind;

    public override LayerKind Kind { get; }

    public override int ArgumentCount => 2;

    public override LayerArguments Read(LayerAttribute a, Shape input)
    {
        int kernel = a.Positive(1, "kernelSize");
        int stride = a.Property("Stride", kernel, 1);
        var output = new ImageShape(input.Channels, 1, 1);
        if (a.Image(input, ShortName) is { } image && a.Windows(image, kernel, stride, 0, ShortName) is { } size)
        {
            output = new ImageShape(image.Channels, size.Height, size.Width);
        }

        return new LayerArguments(null, null, Activation.Identity, null, Output: Shape.Of(output), Kernel: kernel, Stride: stride);
    }

    public override (BlockShape? Weights, int BiasRows) Blocks(LayerModel layer, Shape input) => (null, 0);

    protected override System.Collections.Generic.IEnumerable<string> Properties(LayerModel layer) =>
        [$"KernelSize = {layer.Kernel}", $"Stride = {layer.Stride}"];

    public override string Equation(Node node, string from) =>
        $"{(Kind == LayerKind.MaxPool2D ? "max" : "mean")} of {from}'s {node.Layer!.Kernel}×{node.Layer.Kernel} windows, stride {node.Layer.Stride}";

    public override void EmitForward(LoopedEmitter e, SourceWriter w, Node node)
    {
        var layer = node.Layer!;
        var from = node.Main!.From;
        w.Line($"{e.ImageKernel(Kind + "Forward")}({e.H(from)}, {e.Z(node)}, {e.Rows}, {LoopedEmitter.Geometry(from.Shape, layer.Kernel, layer.Stride, padding: null)});");
    }

    public override void EmitBackward(LoopedEmitter e, SourceWriter w, Edge main, string? inputDelta)
    {
        if (inputDelta is null)
        {
            return;
        }

        var layer = main.To.Layer!;
        string geometry = LoopedEmitter.Geometry(main.From.Shape, layer.Kernel, layer.Stride, padding: null);
        w.Line(Kind == LayerKind.MaxPool2D
            ? $"{e.ImageKernel("MaxPool2DBackward")}({e.H(main.From)}, {e.Delta(main.To)}, {inputDelta}, {e.Rows}, {geometry}); // += dL/d{main.To.Name} at each window's first maximum"
            : $"{e.ImageKernel("AvgPool2DBackward")}({e.Delta(main.To)}, {inputDelta}, {e.Rows}, {geometry}); // += dL/d{main.To.Name}/k² over each window");
    }

    /// <summary>No parameters and no training mode: the backward pass itself.</summary>
    public override void EmitInputBackward(LoopedEmitter e, SourceWriter w, Edge main, string inputDelta) => EmitBackward(e, w, main, inputDelta);
}
