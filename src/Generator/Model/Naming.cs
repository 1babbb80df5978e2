using System.Collections.Generic;
using System.Linq;

namespace SkipNet.Generator.Model;

/// <summary>How declared layer names become C# names, and every member name SkipNet generates.</summary>
internal static class Naming
{
    /// <summary>"h0" → "H0", for public accessors such as H0Weights.</summary>
    public static string Pascal(string name) =>
        name.Length == 0 ? name : char.ToUpperInvariant(name[0]) + name.Substring(1);

    public static string WeightsProperty(string layer) => Pascal(layer) + "Weights";

    public static string BiasProperty(string layer) => Pascal(layer) + "Bias";

    public static string SkipProperty(string from, string to) => $"{Pascal(from)}To{Pascal(to)}Skip";

    public const string GradientSuffix = "Gradient";

    /// <summary>Members every network gets, public and private.</summary>
    public static readonly string[] FixedMembers =
    [
        "InputSize", "OutputSize", "ParameterCount", "Blocks", "Architecture", "Diagram", "Parameters", "Gradients",
        "Forward", "Backward", "Evaluate", "ZeroGradients", "Step", "TrainStep", "Explain",
        "CheckBatch", "BackwardCore", "ForwardRows", "BackwardRows", "ForwardSample", "BackwardSample",
        "ForwardChunk", "BackwardChunk", "Chunk", "_parameters", "_gradients", "_output",
    ];

    /// <summary>Every member name generated for these layers and skips, constructors aside.</summary>
    public static IEnumerable<string> GeneratedMembers(IEnumerable<LayerModel> layers, IEnumerable<SkipModel> skips)
    {
        var blocks = layers.SelectMany(l => new[] { WeightsProperty(l.Name), BiasProperty(l.Name) })
            .Concat(skips.Where(s => s.Kind == SkipKind.Weighted).Select(s => SkipProperty(s.From, s.To)));
        var buffers = layers.SelectMany(l => new[] { "_z_" + l.Name, "_h_" + l.Name, "_d_" + l.Name });
        return FixedMembers.Concat(blocks.SelectMany(b => new[] { b, b + GradientSuffix })).Concat(buffers);
    }
}
