using SkipNet.Generator.Emit;
using SkipNet.Generator.Model;
using SkipNet.Generator.Parsing;

namespace SkipNet.Generator.Layers;

/// <summary>[GlobalAvgPool2D(name)]: each channel's mean over the image, [C, H, W] → a vector of C. No parameters, no activation.</summary>
internal sealed class GlobalAvgPool2DRule : LayerRule
{
    public static readonly GlobalAvgPool2DRule Instance = new();

    public override LayerKind Kind => LayerKind.GlobalAvgPool2D;

    public override int ArgumentCount => 1;

    public override LayerArguments Read(LayerAttribute a, Shape input)
    {
        var image = a.Image(input, ShortName);
        return new LayerArguments(image?.Channels ?? input.Size, null, Activation.Identity, null);
    }

    public override (BlockShape? Weights, int BiasRows) Blocks(LayerModel layer, Shape input) => (null, 0);

    public override string Equation(Node node, string from) => $"the mean of each channel of {from} over its {node.Main!.From.Shape.Spatial} values";

    public override void EmitForward(LoopedEmitter e, SourceWriter w, Node node)
    {
        var from = node.Main!.From;
        w.Line($"{e.ImageKernel("GlobalAvgPool2DForward")}({e.H(from)}, {e.Z(node)}, {e.Rows}, {from.Shape.Spatial});");
    }

    public override void EmitBackward(LoopedEmitter e, SourceWriter w, Edge main, string? inputDelta)
    {
        if (inputDelta is not null)
        {
            w.Line($"{e.ImageKernel("GlobalAvgPool2DBackward")}({e.Delta(main.To)}, {inputDelta}, {e.Rows}, {main.From.Shape.Spatial}); // += dL/d{main.To.Name}/{main.From.Shape.Spatial} over each channel");
        }
    }

    /// <summary>No parameters and no training mode: the backward pass itself.</summary>
    public override void EmitInputBackward(LoopedEmitter e, SourceWriter w, Edge main, string inputDelta) => EmitBackward(e, w, main, inputDelta);
}
