using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis.CSharp;

namespace SkipNet.Generator.Model;

/// <summary>
/// How SkipNet names what it writes. Public members are the network's API: the fixed ones
/// (<see cref="FixedPublicMembers"/>) and a pair per parameter block (<c>H0Weights</c>,
/// <c>H0WeightsGradient</c>); a clash among them, with the class name or with a member the user
/// declared is a diagnostic (the parser checks <see cref="PublicMembers"/>). Everything else —
/// private members, the workspace's fields, locals — is claimed in a <see cref="NameScope"/> that
/// avoids every name in reach, so it cannot clash (<see cref="NetworkNames"/>).
/// </summary>
internal static class Naming
{
    /// <summary>The name that means the input vector.</summary>
    public const string Input = "x";

    public const string GradientSuffix = "Gradient";

    /// <summary>Members every network gets, whatever its layers.</summary>
    public static readonly string[] FixedPublicMembers =
    [
        "InputSize", "OutputSize", "ParameterCount", "Blocks", "Architecture", "Diagram", "Parameters", "Gradients",
        "Forward", "Backward", "Evaluate", "ZeroGradients", "Step", "TrainStep", "Explain", "Clone", "Initialize", "RandomState",
        "Buffers", "BatchesTracked", "InputGradient",
    ];

    /// <summary>"h0" → "H0", for public accessors such as H0Weights.</summary>
    public static string Pascal(string name) =>
        name.Length == 0 ? name : char.ToUpperInvariant(name[0]) + name.Substring(1);

    /// <summary>
    /// Two layer names with the same key would give the same members or differ only in case
    /// ("h0" and "H0"; "sa" and "ſa", whose long s upper-cases to S). The input "x" has the key "X".
    /// </summary>
    public static string Key(string name) => Pascal(name).ToUpperInvariant();

    public static bool IsInput(string name) => Key(name) == Key(Input);

    public static string WeightsProperty(string layer) => Pascal(layer) + "Weights";

    public static string BiasProperty(string layer) => Pascal(layer) + "Bias";

    public static string SkipProperty(string from, string to) => $"{Pascal(from)}To{Pascal(to)}Skip";

    /// <summary>The identifier as C# source: "@event", "@value" where the name is a keyword or a contextual keyword.</summary>
    public static string Escape(string identifier) =>
        SyntaxFacts.GetKeywordKind(identifier) != SyntaxKind.None || SyntaxFacts.GetContextualKeywordKind(identifier) != SyntaxKind.None
            ? "@" + identifier
            : identifier;

    /// <summary>
    /// Every public member name generated for these layers and skips, with what it comes from: the
    /// fixed members first, then per layer its weights and bias accessors, then each weighted skip's.
    /// </summary>
    public static IEnumerable<PublicName> PublicMembers(bool isRecord, IReadOnlyList<LayerModel> layers, IReadOnlyList<SkipModel> skips)
    {
        // C# reserves the name Clone in records; a record is copied with 'with' instead.
        foreach (var name in FixedPublicMembers.Where(n => !(isRecord && n == "Clone")))
        {
            yield return new PublicName(name, -1, -1);
        }

        for (int i = 0; i < layers.Count; i++)
        {
            var (weights, bias) = Layers.LayerRule.Of(layers[i].Kind).Blocks(layers[i], new Shape(1, null));
            var blocks = new[] { weights is null ? null : WeightsProperty(layers[i].Name), bias > 0 ? BiasProperty(layers[i].Name) : null };
            foreach (var block in blocks.Where(b => b is not null).Select(b => b!))
            {
                yield return new PublicName(block, i, -1);
                yield return new PublicName(block + GradientSuffix, i, -1);
            }
        }

        for (int i = 0; i < skips.Count; i++)
        {
            if (skips[i].Kind == SkipKind.Weighted)
            {
                string block = SkipProperty(skips[i].From, skips[i].To);
                yield return new PublicName(block, -1, i);
                yield return new PublicName(block + GradientSuffix, -1, i);
            }
        }
    }
}

/// <summary>A public member name and the declaration it comes from: layer <see cref="Layer"/>, skip <see cref="Skip"/>, or neither (a fixed member).</summary>
internal readonly record struct PublicName(string Identifier, int Layer, int Skip);

/// <summary>
/// A set of names in use, and the names claimed in it: <see cref="Claim"/> gives the preferred
/// name, or that name with "_" appended until nothing in this scope or its parents has it. The
/// same preferred name always gives the same identifier, so emitters ask for it where they need it.
/// </summary>
internal sealed class NameScope
{
    private readonly NameScope? _parent;
    private readonly HashSet<string> _taken;
    private readonly Dictionary<string, string> _claimed = new(System.StringComparer.Ordinal);

    public NameScope(IEnumerable<string> reserved, NameScope? parent = null)
    {
        _parent = parent;
        _taken = new HashSet<string>(reserved, System.StringComparer.Ordinal);
    }

    public bool IsTaken(string name) => _taken.Contains(name) || (_parent?.IsTaken(name) ?? false);

    /// <summary>
    /// The identifier for <paramref name="preferred"/>, unescaped. <paramref name="key"/> tells apart
    /// two things that prefer the same name (the workspace parameter "ws" and a layer named "ws");
    /// by default the preferred name is the key.
    /// </summary>
    public string ClaimRaw(string preferred, string? key = null)
    {
        key ??= preferred;
        if (_claimed.TryGetValue(key, out var name))
        {
            return name;
        }

        name = preferred;
        while (IsTaken(name))
        {
            name += "_";
        }

        _taken.Add(name);
        _claimed[key] = name;
        return name;
    }

    /// <summary>The identifier for <paramref name="preferred"/>, as C# source (escaped where needed).</summary>
    public string Claim(string preferred, string? key = null) => Naming.Escape(ClaimRaw(preferred, key));
}

/// <summary>
/// The identifiers of one network's generated code. Public names are fixed by the API (and checked
/// by the parser); private members avoid the user's members, the class name and the public names;
/// the workspace's fields avoid the workspace's name; locals of the arithmetic methods avoid every
/// member name, so no local ever hides a member the code uses.
/// </summary>
/// <summary>
/// A [Differentiable] function's names in the generated class: <see cref="Name"/> as written,
/// <see cref="Value"/> the user's method (escaped), <see cref="Derivative"/> the generated f′ (∂/∂ first
/// parameter), and the generated span methods: an activation's <see cref="Apply"/>(z, h) and
/// <see cref="Differentiate"/>(z, δ); a loss's <see cref="Apply"/>(ŷ, y) and <see cref="Differentiate"/>(ŷ, y, scale, δ), each returning the sum;
/// <see cref="Describe"/>() the runtime's DifferentiableFunction for Architecture.
/// </summary>
internal sealed record FunctionNames(string Name, string Value, string Derivative, string Apply, string Differentiate, string Describe);

internal sealed class NetworkNames
{
    private readonly NameScope _locals;
    private readonly NameScope _workspaceFields;
    private readonly Dictionary<string, FunctionNames> _functions = new();

    public NetworkNames(NetworkModel model)
    {
        Type = Naming.Escape(model.TypeName);
        var reserved = model.TakenNames
            .Concat(new[] { model.TypeName })
            .Concat(Naming.PublicMembers(model.Shape.IsRecord, model.Layers, model.Skips).Select(p => p.Identifier));
        var members = new NameScope(reserved);

        ParametersField = members.Claim("_parameters");
        GradientsField = members.Claim("_gradients");
        GuardField = members.Claim("_guard");
        NewParameters = members.Claim("NewParameters");
        DrawParameters = members.Claim("DrawParameters");
        CheckBatch = members.Claim("CheckBatch");
        BackwardCore = members.Claim("BackwardCore");
        ForwardRows = members.Claim("ForwardRows");
        ForwardChunks = members.Claim("ForwardChunks");
        ForwardChunksDelegate = members.Claim("s_forwardChunks");
        EvaluateRows = members.Claim("EvaluateRows");
        BackwardRows = members.Claim("BackwardRows");
        ForwardBody = members.Claim(model.Unrolled ? "ForwardSample" : "ForwardChunk");
        LossBody = members.Claim("LossSample");
        BackwardBody = members.Claim(model.Unrolled ? "BackwardSample" : "BackwardChunk");
        Chunk = members.Claim("Chunk");
        string workspace = members.ClaimRaw("Workspace");
        WorkspaceType = workspace;
        WorkspaceField = members.Claim("t_workspace");
        NotGenerated = members.Claim("NotGenerated");
        RandomField = members.Claim("_random");
        BuffersField = members.Claim("_buffers");
        CountersField = members.Claim("_batchesTracked");
        ResetBuffers = members.Claim("ResetBuffers");
        InputGradientRows = members.Claim("InputGradientRows");
        InputGradientBody = members.Claim(model.Unrolled ? "InputGradientSample" : "InputGradientChunk");

        foreach (var function in model.Layers.Select(l => l.Function).Concat(new[] { model.LossFunction }))
        {
            if (function is not null && !_functions.ContainsKey(function.Name))
            {
                bool loss = function == model.LossFunction;
                _functions[function.Name] = new FunctionNames(
                    function.Name, Naming.Escape(function.Name), members.Claim(function.Name + "Derivative"),
                    members.Claim(function.Name + (loss ? "Sum" : "Forward")), members.Claim(function.Name + (loss ? "SumAndGradient" : "Backward")),
                    members.Claim(function.Name + "Function"));
            }
        }

        _workspaceFields = new NameScope(new[] { workspace });
        _locals = new NameScope(System.Array.Empty<string>(), parent: members);
    }

    /// <summary>The names of a [Differentiable] function the network uses, or null for none.</summary>
    public FunctionNames? Function(Functions.FunctionModel? function) => function is null ? null : _functions[function.Name];

    /// <summary>The [Differentiable] functions the network uses, once each, in declaration order.</summary>
    public IEnumerable<FunctionNames> Functions => _functions.Values;

    /// <summary>The class name as C# source.</summary>
    public string Type { get; }

    public string ParametersField { get; }

    public string GradientsField { get; }

    public string GuardField { get; }

    public string NewParameters { get; }

    public string DrawParameters { get; }

    public string CheckBatch { get; }

    public string BackwardCore { get; }

    public string ForwardRows { get; }

    /// <summary>A looped network's loop over chunks on one thread (what each part of a split batch runs).</summary>
    public string ForwardChunks { get; }

    /// <summary>The static delegate to <see cref="ForwardChunks"/> that ChunkedRows calls.</summary>
    public string ForwardChunksDelegate { get; }

    public string EvaluateRows { get; }

    public string BackwardRows { get; }

    /// <summary>ForwardSample (unrolled) or ForwardChunk (looped).</summary>
    public string ForwardBody { get; }

    /// <summary>LossSample: one sample's summed loss (unrolled).</summary>
    public string LossBody { get; }

    /// <summary>BackwardSample (unrolled) or BackwardChunk (looped).</summary>
    public string BackwardBody { get; }

    public string Chunk { get; }

    public string WorkspaceType { get; }

    public string WorkspaceField { get; }

    public string NotGenerated { get; }

    /// <summary>The network's dropout generator.</summary>
    public string RandomField { get; }

    /// <summary>The running statistics (a field of networks with BatchNorm layers), their batch counts, and what sets them to their start.</summary>
    public string BuffersField { get; }

    public string CountersField { get; }

    public string ResetBuffers { get; }

    /// <summary>InputGradient's loop over samples (unrolled) or chunks (looped), on validated spans.</summary>
    public string InputGradientRows { get; }

    /// <summary>InputGradientSample (unrolled) or InputGradientChunk (looped): forward in eval mode, the loss, dL/dx.</summary>
    public string InputGradientBody { get; }

    /// <summary>A field of the per-thread workspace (looped code): "z_h0", "h_h0", "d_h0".</summary>
    public string WorkspaceMember(string preferred) => _workspaceFields.Claim(preferred);

    /// <summary>A local of the arithmetic methods named after the network: "h0", "z_h0", "dL_dh0", "w_h1_2_0".</summary>
    public string Local(string preferred) => _locals.Claim(preferred);

    /// <summary>A parameter or local of the arithmetic methods that is not named after the network: "x_in", "ws".</summary>
    public string FixedLocal(string preferred) => _locals.Claim(preferred, key: "$" + preferred);
}
