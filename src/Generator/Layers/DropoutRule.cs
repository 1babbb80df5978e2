using System.Collections.Generic;
using SkipNet.Generator.Emit;
using SkipNet.Generator.Model;
using SkipNet.Generator.Parsing;

namespace SkipNet.Generator.Layers;

/// <summary>
/// [Dropout(name, p)]: z = h_prev in Forward and Evaluate; in training calls z = h_prev⊙m with a
/// mask m of 0 (probability p) and 1/(1 − p) drawn from the network's own generator, kept for the
/// backward pass. No parameters, no activation.
/// </summary>
internal sealed class DropoutRule : LayerRule
{
    public static readonly DropoutRule Instance = new();

    public override LayerKind Kind => LayerKind.Dropout;

    public override int ArgumentCount => 2;

    public override bool TrainMode => true;

    public override LayerArguments Read(LayerAttribute a, Shape input) =>
        new(null, null, Activation.Identity, null, P: a.Probability(1));

    public override (BlockShape? Weights, int BiasRows) Blocks(LayerModel layer, Shape input) => (null, 0);

    protected override IEnumerable<string> Properties(LayerModel layer) => [$"P = {Literals.Number(layer.P, Precision.Double)}"];

    public override IEnumerable<(string Key, int PerSample, int Fixed)> Buffers(Node node) => [("mask", node.Width, 0)];

    public override void EmitForward(LoopedEmitter e, SourceWriter w, Node node)
    {
        string p = Literals.Number(node.Layer!.P, Precision.Double), from = e.H(node.Main!.From);
        w.Line($"// {node.Name} = {LoopedEmitter.Name(node.Main.From)}⊙m in training calls (m = 0 with probability {p}, else 1/(1 − {p})); {LoopedEmitter.Name(node.Main.From)} itself otherwise");
        w.Open($"if ({e.Train})");
        w.Line($"{e.LayerKernel("DropoutForward")}({from}, {e.Buffer(node, "mask")}, {e.Z(node)}, {p}, ref {e.Random});");
        w.Close();
        w.Open("else");
        w.Line($"{from}.CopyTo({e.Z(node)});");
        w.Close();
    }

    public override void EmitBackward(LoopedEmitter e, SourceWriter w, Edge main, string? inputDelta)
    {
        if (inputDelta is not null)
        {
            w.Line($"{e.LayerKernel("DropoutBackward")}({e.Buffer(main.To, "mask")}, {e.Delta(main.To)}, {inputDelta}); // += m⊙dL/d{main.To.Name}");
        }
    }

    /// <summary>Eval mode: the identity.</summary>
    public override void EmitInputBackward(LoopedEmitter e, SourceWriter w, Edge main, string inputDelta) =>
        w.Line($"{e.Kernel("Add")}({e.Delta(main.To)}, {inputDelta}); // += dL/d{main.To.Name} ({main.To.Name} is the identity in eval mode)");
}
