using CsCheck;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace SkipNet.Generator.Tests;

/// <summary>
/// Random declarations, well-formed and malformed, never crash the generator: each gives SKIP
/// diagnostics, or compiler errors in the user's own code, or generated code that compiles
/// without errors.
/// </summary>
[Trait("Category", "Slow")] // dotnet test --filter "Category!=Slow" leaves it out of a first check
public class NeverThrowsTests
{
    private const int Declarations = 5_000;
    private const int PerCompilation = 10;

    // Well-formed parts are the common case; each malformation is injected with a small weight,
    // so a run sees valid networks, single mistakes and pile-ups. "#NAME#", "#FROM#" and "#TO#"
    // are filled in per declaration with unique layer names and forward edges.
    private static readonly Gen<string> Name = Gen.Frequency(
        (20, Gen.Const("#NAME#")),
        (1, Gen.OneOf("\"y\"", "\"x\"", "\"H1\"", "\"out\"", "\"my_layer\"", "\"\"", "\"1a\"", "\"ÿ\"", "null", "h0", "\"" + new string('a', 300) + "\"")));

    private static readonly Gen<string> Width = Gen.Frequency(
        (30, Gen.Int[1, 6].Select(i => i.ToString())),
        (1, Gen.Int[-3, 0].Select(i => i.ToString())),
        (1, Gen.OneOf("65536", "70000", "int.MaxValue", "\"3\"", "2.5", "", "1 +")));

    private static readonly Gen<string> Activation = Gen.Frequency(
        (20, Gen.OneOf(Enum.GetNames<Activation>()).Select(a => ", Activation." + a)),
        (4, Gen.Const("")),
        (1, Gen.OneOf(", (Activation)9", ", \"ReLU\"", ", Activation.Relu", ", Activation.ReLU, Alpha = 0.3", ", Activation.LeakyReLU, Alpha = -1", ", Alpha = double.NaN")));

    private static readonly Gen<string> Dense = Gen.Select(Name, Width, Activation, (n, w, a) => w.Length == 0 ? $"[Dense({n})]" : $"[Dense({n}, {w}{a})]");

    private static readonly Gen<string> Endpoints = Gen.Frequency(
        (20, Gen.Const("#FROM#, #TO#")),
        (1, Gen.OneOf("\"x\", \"nope\"", "\"h1\", \"h1\"", "\"h2\", \"h0\"", "null, \"h1\"", "\"H0\", \"h2\"", "\"h0\"")));

    private static readonly Gen<string> Skip = Gen.Select(Endpoints, Gen.Frequency((12, Gen.Const(", SkipKind.Weighted")), (3, Gen.OneOf(Enum.GetNames<SkipKind>().Select(k => ", SkipKind." + k).Append("").ToArray())), (1, Gen.OneOf(", (SkipKind)7", ", 1"))),
        (e, k) => $"[Skip({e}{k})]");

    private static readonly Gen<string> Residual = Gen.Select(
        Gen.Frequency((30, Gen.Int[1, 6].Select(i => $"Inputs = {i}")), (1, Gen.OneOf("", "Inputs = 0", "Inputs = -1", "Inputs = 100000", "Inputs = \"2\""))),
        Gen.Frequency((20, Gen.OneOf(Enum.GetNames<Loss>().Select(l => ", Loss = Loss." + l).Append("").ToArray())), (1, Gen.Const(", Loss = (Loss)99"))),
        Gen.OneOf("", "", ", CodeStyle = CodeStyle.Unrolled", ", CodeStyle = CodeStyle.Looped", ", CodeStyle = CodeStyle.Auto"),
        Gen.OneOf("", ", Precision = Precision.Single"),
        (i, l, c, p) => $"[Residual({(i + l + c + p).TrimStart(',', ' ')})]");

    private static readonly Gen<string> Shape = Gen.Frequency(
        (30, Gen.Const("public partial class NAME { }")),
        (2, Gen.OneOf(
            "public class NAME { }", "public static partial class NAME { }", "public partial class NAME<T> { }",
            "public partial record NAME;", "public class OuterNAME { public partial class NAME { } }",
            "public partial class OuterNAME { internal partial class NAME { public int Forward; } }",
            "partial class NAME { public NAME(int seed) { } }", "public partial struct NAME { }",
            "public partial record struct NAME;", "file partial class NAME { }", "public partial record NAME(int Size, string Tag);",
            "public sealed partial record NAME(double Rate) { public int Count { get; init; } }",
            "public partial class NAME(int size) { public int Size => size; }",
            "public partial class NAME : System.Collections.Generic.List<int> { }",
            "public abstract partial class NAME { public NAME(string name) : this(name.Length) { } }",
            "public partial class YBias { }", "public partial class Diagram { }", "public partial class Forward { }",
            "public partial class @event { }", "public partial class @var { }", "public partial class Mlp { }", "public partial class MLP { }",
            "public partial class NAME { private int _parameters; private void ForwardChunk() { } public class Workspace { } public int ws, x_in, loss_, Chunk; }",
            "public partial class NAME { public void Step() { } }", "public partial class NAME { public object Clone() => this; }")));

    /// <summary>
    /// Layer names: "h{i}" mostly, sometimes a name the generated code uses itself, a contextual
    /// keyword, a case variant or a letter that upper-cases to another (they must generate working
    /// code, or be reported).
    /// </summary>
    private static readonly string[] Hostile =
    [
        .. HostileNameTests.Names, "H0", "h0", "X", "ſ", "S", "aToB", "bToC", "Weights", "YBiasGradient", "class", "@class", "int", "@value",
    ];

    private static readonly Gen<string> Namespace = Gen.Frequency(
        (8, Gen.Const("N#")), (1, Gen.OneOf("N#.@internal", "N#.@event.Models", "N#.var", "N#.SkipNet", "N#.System")));

    private static readonly Gen<string> Noise = Gen.Frequency(
        (30, Gen.Const("")),
        (1, Gen.OneOf("[Dense(", "]", "@@", "[Skip(\"h0\", ", "[Residual]", "[Dense(\"h9\", 2)")));

    /// <summary>
    /// One declaration: "namespace ...;", then the attributes and the class; sometimes split over
    /// two files at "//SPLIT", the second holding some of the attributes on another partial part.
    /// </summary>
    private static readonly Gen<string> Declaration = Gen.Select(
        Residual, Dense.Array[0, 5], Skip.Array[0, 3], Shape, Noise, Namespace, Gen.Int,
        (residual, layers, skips, shape, noise, ns, seed) =>
        {
            var random = new Random(seed);
            var names = Enumerable.Range(0, layers.Length)
                .Select(i => random.Next(4) == 0 ? Hostile[random.Next(Hostile.Length)] : $"h{i}")
                .ToArray();
            for (int i = 0; i < layers.Length; i++)
            {
                layers[i] = layers[i].Replace("#NAME#", $"\"{names[i]}\"");
            }

            for (int i = 0; i < skips.Length; i++)
            {
                int to = layers.Length == 0 ? 0 : random.Next(layers.Length);
                int from = random.Next(-1, to);
                string Name(int k) => k < names.Length ? names[k] : $"h{k}";
                skips[i] = skips[i].Replace("#FROM#", from < 0 ? "\"x\"" : $"\"{Name(from)}\"").Replace("#TO#", $"\"{Name(to)}\"");
            }

            string head = $"using SkipNet;\nnamespace {ns};\n";
            var attributes = layers.Concat(skips).ToList();
            if (random.Next(12) == 0 && attributes.Count > 1 && shape == "public partial class NAME { }")
            {
                int cut = random.Next(1, attributes.Count);
                return $"{head}{noise}\n{residual}\n{string.Join("\n", attributes.Take(cut))}\n{shape}//SPLIT{head}{string.Join("\n", attributes.Skip(cut))}\npublic partial class NAME {{ }}";
            }

            return $"{head}{noise}\n{residual}\n{string.Join("\n", attributes)}\n{shape}";
        });

    private int _emitted, _skipErrors, _userErrors;

    [Fact]
    public void RandomDeclarationsNeverCrashTheGenerator()
    {
        Declaration.Array[PerCompilation].Sample(declarations =>
        {
            var trees = declarations.SelectMany((d, i) => d.Replace("NAME", "Net" + i).Replace("N#", "N" + i).Split("//SPLIT")
                .Select((part, k) => CSharpSyntaxTree.ParseText(part, Harness.ParseOptions, path: $"Declaration{i}{(k == 0 ? "" : "b")}.cs"))).ToArray();
            Check(trees);
        }, iter: Declarations / PerCompilation, threads: 1, print: d => string.Join("\n----\n", d));

        // The mix must exercise every outcome, so the property cannot pass vacuously.
        _emitted.ShouldBeGreaterThan(Declarations / 5, "declarations that generated code");
        _skipErrors.ShouldBeGreaterThan(Declarations / 10, "declarations with SKIP errors");
        _userErrors.ShouldBeGreaterThan(Declarations / 20, "declarations with compiler errors of their own");
    }

    private void Check(SyntaxTree[] trees)
    {
        var compilation = Harness.Compilation().AddSyntaxTrees(trees);
        var driver = Harness.Driver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);
        var run = driver.GetRunResult();
        if (generatorDiagnostics.Any(d => d.Id is "CS8785" or "CS8784") || run.Results.Any(r => r.Exception is not null))
        {
            throw new ShouldAssertException("the generator threw: " + run.Results.First().Exception);
        }

        var generated = run.GeneratedTrees.ToHashSet();
        var errors = output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        var inGenerated = errors.Where(e => e.Location.SourceTree is { } t && generated.Contains(t)).ToList();
        inGenerated.Select(e => e.ToString()).ShouldBeEmpty("generated code must compile");

        foreach (var tree in trees.Where(t => !t.FilePath.EndsWith("b.cs")))
        {
            // A declaration is its file and, when split, its second file.
            string stem = Path.GetFileNameWithoutExtension(tree.FilePath);
            var files = trees.Where(t => Path.GetFileNameWithoutExtension(t.FilePath) is var f && (f == stem || f == stem + "b")).ToList();
            bool skipError = run.Diagnostics.Any(d => files.Any(f => d.Location.GetLineSpan().Path == f.FilePath) && d.Severity == DiagnosticSeverity.Error);
            bool userError = errors.Any(e => files.Contains(e.Location.SourceTree!));
            string ns = stem.Replace("Declaration", "N");
            bool emitted = run.GeneratedTrees.Any(g => g.GetRoot().DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.BaseNamespaceDeclarationSyntax>()
                .Any(n => n.Name.ToString() == ns || n.Name.ToString().StartsWith(ns + ".")));
            _emitted += emitted ? 1 : 0;
            _skipErrors += skipError ? 1 : 0;
            _userErrors += userError ? 1 : 0;
            (skipError || userError || emitted).ShouldBeTrue($"{tree.FilePath}: no SKIP diagnostic, no compiler error and no code\n{tree}");
        }
    }
}
