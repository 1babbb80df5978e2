using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using SkipNet.Generator.Emit;
using SkipNet.Generator.Model;
using SkipNet.Generator.Parsing;

namespace SkipNet.Generator.Layers;

/// <summary>
/// One kind of layer, in one file: the attribute that declares it and how its arguments are read,
/// the parameter blocks it owns, how they start, and the looped code of its operation forward and
/// backward. The parser, the plan and the emitters ask the rule of a layer's kind and nothing else,
/// so a new kind is a new rule in <see cref="All"/> (and its runtime kernels and tests).
/// </summary>
internal abstract class LayerRule
{
    /// <summary>Every kind, registered here and nowhere else.</summary>
    public static readonly LayerRule[] All =
    [
        DenseRule.Instance, LayerNormRule.Instance, DropoutRule.Instance, BatchNormRule.Instance,
        Conv2DRule.Instance, PoolRule.Max, PoolRule.Average, GlobalAvgPool2DRule.Instance,
    ];

    public static LayerRule Of(LayerKind kind) => All.First(r => r.Kind == kind);

    /// <summary>The rule whose attribute has this full metadata name ("SkipNet.DenseAttribute"), or null.</summary>
    public static LayerRule? ForAttribute(string? metadataName) => All.FirstOrDefault(r => r.AttributeName == metadataName);

    public abstract LayerKind Kind { get; }

    /// <summary>"SkipNet.DenseAttribute".</summary>
    public string AttributeName => $"SkipNet.{Kind}Attribute";

    /// <summary>"Dense", as the user writes the attribute.</summary>
    public string ShortName => Kind.ToString();

    /// <summary>How many constructor arguments the attribute has (the name first).</summary>
    public abstract int ArgumentCount { get; }

    /// <summary>Whether unrolled code can write the layer (else CodeStyle.Auto chooses looped code, and Unrolled is SKIP036).</summary>
    public virtual bool Unrollable => false;

    /// <summary>Whether the layer computes differently in training calls than in Forward and Evaluate.</summary>
    public virtual bool TrainMode => false;

    /// <summary>Whether a training call must pass the whole batch through the layer at once (its statistics are the batch's).</summary>
    public virtual bool WholeBatch => false;

    /// <summary>How many running statistics (buffers) the layer keeps per unit: BatchNorm's mean and variance.</summary>
    public virtual int RunningStatistics => 0;

    /// <summary>Reads the arguments after the name, for a layer reading <paramref name="input"/>; reports what is wrong with them.</summary>
    public abstract LayerArguments Read(LayerAttribute attribute, Shape input);

    /// <summary>The blocks the layer owns, before the weighted skips ending at it: "name.W" (with its shape) and "name.b" (its rows; 0 when it has none).</summary>
    public abstract (BlockShape? Weights, int BiasRows) Blocks(LayerModel layer, Shape input);

    /// <summary>The initializer's properties in <c>Architecture</c>'s LayerInfo ("{ Kind = ..., Epsilon = ..., Shape = ... }"), or "" for a Dense layer.</summary>
    public string ArchitectureProperties(LayerModel layer, string? function = null)
    {
        var entries = new List<string>();
        if (Kind != LayerKind.Dense)
        {
            entries.Add($"Kind = {RuntimeNames.LayerKindEnum}.{Kind}");
        }

        entries.AddRange(Properties(layer));
        if (layer.Image is { } image)
        {
            entries.Add($"Shape = new[] {{ {image.Channels}, {image.Height}, {image.Width} }}");
        }

        if (function is not null)
        {
            entries.Add(function);
        }

        return entries.Count == 0 ? "" : $" {{ {string.Join(", ", entries)} }}";
    }

    /// <summary>The kind's own LayerInfo properties ("Epsilon = 1E-05").</summary>
    protected virtual IEnumerable<string> Properties(LayerModel layer) => [];

    /// <summary>The operation in the forward pass's comment, reading <paramref name="from"/>: "Conv2D(h0)".</summary>
    public virtual string Equation(Node node, string from) => $"{ShortName}({from})";

    /// <summary>Sets the layer's own blocks that are not drawn at random (the matrices are, by the emitter).</summary>
    public virtual void EmitInitialization(SourceWriter w, Node node, string t)
    {
    }

    /// <summary>
    /// Draws a block of weights into a layer with this activation: He uniform for ReLU and LeakyReLU,
    /// Glorot uniform otherwise; fan-in is the block's columns (the values one output reads).
    /// </summary>
    public static void EmitDraw(SourceWriter w, Block block, Activation activation, string t, int fanOut)
    {
        string span = $"parameters.Slice({block.Offset}, {block.Length})";
        string call = ActivationRule.Of(activation).He
            ? $"He<{t}>({span}, fanIn: {block.Cols}, ref random);"
            : $"Glorot<{t}>({span}, fanIn: {block.Cols}, fanOut: {fanOut}, ref random);";
        w.Line($"{RuntimeNames.Initializer}.{call} // {block.Name}");
    }

    /// <summary>A normalization's γ ("name.W") set to 1, as PyTorch's start.</summary>
    protected static void EmitScaleOfOne(SourceWriter w, Node node, string t)
    {
        var gamma = node.Weights!;
        w.Line($"parameters.Slice({gamma.Offset}, {gamma.Length}).Fill(({t})1); // {gamma.Name}: γ = 1");
    }

    /// <summary>The layer's workspace buffers besides z, h and δ: a key ("xhat"), the values per sample and a fixed number more.</summary>
    public virtual IEnumerable<(string Key, int PerSample, int Fixed)> Buffers(Node node) => [];

    /// <summary>Looped code: the layer's operation on the previous node's h, written into z (h when the layer has no activation).</summary>
    public abstract void EmitForward(LoopedEmitter e, SourceWriter w, Node node);

    /// <summary>
    /// Looped code of the backward pass through the layer's own edge, written where its input's δ is
    /// gathered: adds dL/dh_prev into <paramref name="inputDelta"/> (null when the input is x, whose
    /// δ is not needed) and takes the gradient of every block the operation reads last.
    /// </summary>
    public abstract void EmitBackward(LoopedEmitter e, SourceWriter w, Edge main, string? inputDelta);

    /// <summary>
    /// Looped code of InputGradient's backward pass through the layer's own edge, in eval mode: adds
    /// dL/dh_prev into <paramref name="inputDelta"/> and takes no parameter's gradient (nothing is learned).
    /// </summary>
    public abstract void EmitInputBackward(LoopedEmitter e, SourceWriter w, Edge main, string inputDelta);
}

/// <summary>The rows and columns of a block.</summary>
internal readonly record struct BlockShape(int Rows, int Cols);

/// <summary>What a layer attribute says besides the name.</summary>
/// <param name="Units">The width (null: the previous layer's).</param>
/// <param name="Output">What the layer gives, when it is neither a vector of <paramref name="Units"/> nor its input's shape.</param>
internal sealed record LayerArguments(
    int? Units, Location? UnitsLocation, Activation Activation, Location? ActivationLocation, double Epsilon = 1e-5, double P = 0, double Momentum = 0.1,
    Shape? Output = null, int Kernel = 0, int Stride = 0, int Padding = 0);
