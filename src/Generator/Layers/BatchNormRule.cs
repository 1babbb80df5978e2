using System.Collections.Generic;
using SkipNet.Generator.Emit;
using SkipNet.Generator.Model;
using SkipNet.Generator.Parsing;

namespace SkipNet.Generator.Layers;

/// <summary>
/// [BatchNorm(name, activation) { Momentum, Epsilon }]: z = γ⊙x̂ + β per feature (nn.BatchNorm1d), or
/// per channel of an image (nn.BatchNorm2d, over each channel's batch·H·W values).
/// Training calls take x̂ from the whole batch's mean and biased variance (keeping x̂ and 1/√(σ² + ε)
/// per feature for the backward pass) and update the running statistics and the batch count;
/// Forward and Evaluate take x̂ from the running statistics. γ ("name.W") starts at 1, β at 0.
/// </summary>
internal sealed class BatchNormRule : LayerRule
{
    public static readonly BatchNormRule Instance = new();

    public override LayerKind Kind => LayerKind.BatchNorm;

    public override int ArgumentCount => 2;

    public override bool TrainMode => true;

    public override bool WholeBatch => true;

    public override int RunningStatistics => 2;

    public override LayerArguments Read(LayerAttribute a, Shape input)
    {
        var activationLocation = a.ArgumentLocation(1, "activation");
        var activation = a.Enum<Activation>(1, "Activation", activationLocation);
        return new LayerArguments(null, null, activation, activationLocation, a.Epsilon(), Momentum: a.Momentum());
    }

    public override (BlockShape? Weights, int BiasRows) Blocks(LayerModel layer, Shape input) => (new BlockShape(input.Channels, 1), input.Channels);

    protected override IEnumerable<string> Properties(LayerModel layer) =>
        [$"Epsilon = {Literals.Number(layer.Epsilon, Precision.Double)}", $"Momentum = {Literals.Number(layer.Momentum, Precision.Double)}"];

    public override void EmitInitialization(SourceWriter w, Node node, string t) => EmitScaleOfOne(w, node, t);

    public override IEnumerable<(string Key, int PerSample, int Fixed)> Buffers(Node node) => [("xhat", node.Width, 0), ("r", 0, node.Shape.Channels)];

    public override void EmitForward(LoopedEmitter e, SourceWriter w, Node node)
    {
        EmitComment(e, w, node);
        w.Open($"if ({e.Train})");
        EmitTrainForward(e, w, node);
        w.Close();
        w.Open("else");
        w.Line($"{e.LayerKernel("BatchNormEvalForward")}({Statistics(e, node)}, {e.H(node.Main!.From)}, {e.Z(node)}, {e.Rows}, {node.Shape.Spatial}, {Epsilon(e, node)});");
        w.Close();
    }

    /// <summary>"// x̂ = (c0 − μ)·r, …": where μ and σ² come from, and z.</summary>
    public static void EmitComment(LoopedEmitter e, SourceWriter w, Node node)
    {
        string name = LoopedEmitter.Name(node.Main!.From);
        w.Line($"// x̂ = ({name} − μ)·r, r = 1/√(σ² + ε) per {(node.Shape.Image is null ? "feature" : "channel")}: μ, σ² the batch's in training calls (which update the running ones), the running ones otherwise; z_{node.Name} = {node.Weights!.Name}⊙x̂ + {node.Bias!.Name}");
    }

    /// <summary>A training call's normalization by the batch's statistics, and the batch count.</summary>
    public static void EmitTrainForward(LoopedEmitter e, SourceWriter w, Node node)
    {
        string momentum = Literals.Number(node.Layer!.Momentum, e.Precision);
        int channels = node.Shape.Channels;
        string mean = e.RunningBuffer(node.RunningMean, channels), variance = e.RunningBuffer(node.RunningVariance, channels);
        w.Line($"{e.LayerKernel("BatchNormTrainForward")}({e.Parameters(node.Weights!)}, {e.Parameters(node.Bias!)}, {e.H(node.Main!.From)}, {e.Buffer(node, "xhat")}, {e.Buffer(node, "r")}, {e.Z(node)}, {mean}, {variance}, {e.Rows}, {node.Shape.Spatial}, {Epsilon(e, node)}, {momentum});");
        w.Line($"{e.Counters}[{node.Counter}]++; // {node.Name}.num_batches_tracked");
    }

    /// <summary>"γ, β, running mean, running variance": the eval-mode kernels' first arguments.</summary>
    public static string Statistics(LoopedEmitter e, Node node)
    {
        int channels = node.Shape.Channels;
        return $"{e.Parameters(node.Weights!)}, {e.Parameters(node.Bias!)}, {e.RunningBuffer(node.RunningMean, channels)}, {e.RunningBuffer(node.RunningVariance, channels)}";
    }

    public static string Epsilon(LoopedEmitter e, Node node) => Literals.Number(node.Layer!.Epsilon, e.Precision);

    public override void EmitBackward(LoopedEmitter e, SourceWriter w, Edge main, string? inputDelta)
    {
        var node = main.To;
        var gamma = node.Weights!;
        string input = inputDelta ?? $"global::System.Span<{e.T}>.Empty";
        string what = inputDelta is null ? "" : $"+= (r/n)·(n·g − Σg − x̂·Σ(g⊙x̂)) per feature, g = dL/dz_{node.Name}·γ; ";
        w.Line($"{e.LayerKernel("BatchNormBackward")}({e.Parameters(gamma)}, {e.Delta(node)}, {e.Buffer(node, "xhat")}, {e.Buffer(node, "r")}, {input}, {e.Gradient(gamma)}, {e.Rows}, {node.Shape.Spatial}, {e.Write}); // {what}dL/d({gamma.Name}) += Σ dL/dz_{node.Name}⊙x̂");
    }

    /// <summary>Eval mode: the running statistics are constants, so dL/dh_prev = dL/dz·γ·r.</summary>
    public override void EmitInputBackward(LoopedEmitter e, SourceWriter w, Edge main, string inputDelta)
    {
        var node = main.To;
        w.Line($"{e.LayerKernel("BatchNormEvalBackward")}({e.Parameters(node.Weights!)}, {e.RunningBuffer(node.RunningVariance, node.Shape.Channels)}, {e.Delta(node)}, {inputDelta}, {e.Rows}, {node.Shape.Spatial}, {Epsilon(e, node)}); // += dL/dz_{node.Name}·γ·r, r = 1/√(running_var + ε)");
    }
}
