using SkipNet.Generator.Emit;
using SkipNet.Generator.Model;
using SkipNet.Generator.Parsing;

namespace SkipNet.Generator.Layers;

/// <summary>[Dense(name, units, activation)]: z = W·h_prev + b. W is units × width_prev (an image flattened, NCHW), drawn He or Glorot.</summary>
internal sealed class DenseRule : LayerRule
{
    public static readonly DenseRule Instance = new();

    public override LayerKind Kind => LayerKind.Dense;

    public override int ArgumentCount => 3;

    public override bool Unrollable => true;

    public override LayerArguments Read(LayerAttribute a, Shape input)
    {
        var activationLocation = a.ArgumentLocation(2, "activation");
        return new LayerArguments(
            a.Argument<int>(1), a.ArgumentLocation(1, "units"),
            a.Enum<Activation>(2, "Activation", activationLocation), activationLocation);
    }

    public override (BlockShape? Weights, int BiasRows) Blocks(LayerModel layer, Shape input) => (new BlockShape(layer.Units, input.Size), layer.Units);

    public override string Equation(Node node, string from) => $"{node.Weights!.Name}·{from} + {node.Bias!.Name}";

    public override void EmitForward(LoopedEmitter e, SourceWriter w, Node node)
    {
        var main = node.Main!;
        w.Line($"{e.Kernel("DenseForward")}({e.Parameters(main.Matrix!)}, {e.Parameters(node.Bias!)}, {e.H(main.From)}, {e.Z(node)}, {e.Rows});");
    }

    public override void EmitBackward(LoopedEmitter e, SourceWriter w, Edge main, string? inputDelta)
    {
        var m = main.Matrix!;
        string to = main.To.Name, from = LoopedEmitter.Name(main.From);
        w.Line(inputDelta is null
            ? $"{e.Kernel("WeightGradient")}({e.Delta(main.To)}, {e.H(main.From)}, {e.Gradient(m)}, {e.Parameters(m)}, {e.Rows}, {e.Write}); // dL/d({m.Name}) += Σ dL/dz_{to}·{from}ᵀ"
            : $"{e.Kernel("DenseBackward")}({e.Parameters(m)}, {e.Delta(main.To)}, {e.H(main.From)}, {inputDelta}, {e.Gradient(m)}, {e.Rows}, {e.Write}); // += {m.Name}ᵀ·dL/dz_{to}; dL/d({m.Name}) += Σ dL/dz_{to}·{from}ᵀ");
    }

    public override void EmitInputBackward(LoopedEmitter e, SourceWriter w, Edge main, string inputDelta) => e.EmitMatrixInputBackward(w, main, inputDelta);
}
