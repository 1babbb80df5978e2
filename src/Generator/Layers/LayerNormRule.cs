using System.Collections.Generic;
using SkipNet.Generator.Emit;
using SkipNet.Generator.Model;
using SkipNet.Generator.Parsing;

namespace SkipNet.Generator.Layers;

/// <summary>
/// [LayerNorm(name, activation) { Epsilon }]: z = γ⊙x̂ + β, x̂ = (h_prev − μ)/√(σ² + ε) over each
/// sample's features (nn.LayerNorm). γ ("name.W", width × 1) starts at 1, β ("name.b") at 0. The
/// forward pass keeps x̂ and 1/√(σ² + ε) for the backward one.
/// </summary>
internal sealed class LayerNormRule : LayerRule
{
    public static readonly LayerNormRule Instance = new();

    public override LayerKind Kind => LayerKind.LayerNorm;

    public override int ArgumentCount => 2;

    public override LayerArguments Read(LayerAttribute a, Shape input)
    {
        var activationLocation = a.ArgumentLocation(1, "activation");
        var activation = a.Enum<Activation>(1, "Activation", activationLocation);
        return new LayerArguments(null, null, activation, activationLocation, a.Epsilon());
    }

    public override (BlockShape? Weights, int BiasRows) Blocks(LayerModel layer, Shape input) => (new BlockShape(layer.Units, 1), layer.Units);

    protected override IEnumerable<string> Properties(LayerModel layer) => [$"Epsilon = {Literals.Number(layer.Epsilon, Precision.Double)}"];

    public override void EmitInitialization(SourceWriter w, Node node, string t) => EmitScaleOfOne(w, node, t);

    public override IEnumerable<(string Key, int PerSample, int Fixed)> Buffers(Node node) => [("xhat", node.Width, 0), ("r", 1, 0)];

    public override void EmitForward(LoopedEmitter e, SourceWriter w, Node node)
    {
        string eps = Literals.Number(node.Layer!.Epsilon, e.Precision);
        w.Line($"// x̂ = ({LoopedEmitter.Name(node.Main!.From)} − μ)·r, r = 1/√(σ² + ε) over each sample's {node.Width} values; z_{node.Name} = {node.Weights!.Name}⊙x̂ + {node.Bias!.Name}");
        w.Line($"{e.LayerKernel("LayerNormForward")}({e.Parameters(node.Weights)}, {e.Parameters(node.Bias)}, {e.H(node.Main.From)}, {e.Buffer(node, "xhat")}, {e.Buffer(node, "r")}, {e.Z(node)}, {e.Rows}, {eps});");
    }

    public override void EmitBackward(LoopedEmitter e, SourceWriter w, Edge main, string? inputDelta)
    {
        var node = main.To;
        var gamma = node.Weights!;
        string input = inputDelta ?? $"global::System.Span<{e.T}>.Empty";
        string what = inputDelta is null ? "" : $"+= r·(g − mean g − x̂·mean(g⊙x̂)), g = dL/dz_{node.Name}⊙γ; ";
        w.Line($"{e.LayerKernel("LayerNormBackward")}({e.Parameters(gamma)}, {e.Delta(node)}, {e.Buffer(node, "xhat")}, {e.Buffer(node, "r")}, {input}, {e.Gradient(gamma)}, {e.Rows}, {e.Write}); // {what}dL/d({gamma.Name}) += Σ dL/dz_{node.Name}⊙x̂");
    }

    public override void EmitInputBackward(LoopedEmitter e, SourceWriter w, Edge main, string inputDelta)
    {
        var node = main.To;
        w.Line($"{e.LayerKernel("LayerNormInputBackward")}({e.Parameters(node.Weights!)}, {e.Delta(node)}, {e.Buffer(node, "xhat")}, {e.Buffer(node, "r")}, {inputDelta}, {e.Rows}); // += r·(g − mean g − x̂·mean(g⊙x̂)), g = dL/dz_{node.Name}⊙γ");
    }
}
