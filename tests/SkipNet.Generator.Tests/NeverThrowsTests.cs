using CsCheck;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace SkipNet.Generator.Tests;

/// <summary>
/// Random declarations, well-formed and malformed, never crash the generator: each gives SKIP
/// diagnostics, or compiler errors in the user's own code, or generated code that compiles
/// without errors.
/// </summary>
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
        (20, Gen.OneOf("ReLU", "LeakyReLU", "Tanh", "Sigmoid", "Identity").Select(a => ", Activation." + a)),
        (4, Gen.Const("")),
        (1, Gen.OneOf(", (Activation)9", ", \"ReLU\"", ", Activation.Relu", ", Activation.ReLU, Alpha = 0.3", ", Activation.LeakyReLU, Alpha = -1", ", Alpha = double.NaN")));

    private static readonly Gen<string> Dense = Gen.Select(Name, Width, Activation, (n, w, a) => w.Length == 0 ? $"[Dense({n})]" : $"[Dense({n}, {w}{a})]");

    private static readonly Gen<string> Endpoints = Gen.Frequency(
        (20, Gen.Const("#FROM#, #TO#")),
        (1, Gen.OneOf("\"x\", \"nope\"", "\"h1\", \"h1\"", "\"h2\", \"h0\"", "null, \"h1\"", "\"H0\", \"h2\"", "\"h0\"")));

    private static readonly Gen<string> Skip = Gen.Select(Endpoints, Gen.Frequency((12, Gen.Const(", SkipKind.Weighted")), (3, Gen.OneOf("", ", SkipKind.Identity")), (1, Gen.OneOf(", (SkipKind)7", ", 1"))),
        (e, k) => $"[Skip({e}{k})]");

    private static readonly Gen<string> Residual = Gen.Select(
        Gen.Frequency((30, Gen.Int[1, 6].Select(i => $"Inputs = {i}")), (1, Gen.OneOf("", "Inputs = 0", "Inputs = -1", "Inputs = 100000", "Inputs = \"2\""))),
        Gen.Frequency((20, Gen.OneOf("", ", Loss = Loss.L1", ", Loss = Loss.MSE")), (1, Gen.Const(", Loss = (Loss)3"))),
        Gen.OneOf("", "", ", CodeStyle = CodeStyle.Unrolled", ", CodeStyle = CodeStyle.Looped", ", CodeStyle = CodeStyle.Auto"),
        Gen.OneOf("", ", Precision = Precision.Single"),
        (i, l, c, p) => $"[Residual({(i + l + c + p).TrimStart(',', ' ')})]");

    private static readonly Gen<string> Shape = Gen.Frequency(
        (30, Gen.Const("public partial class NAME { }")),
        (1, Gen.OneOf(
            "public class NAME { }", "public static partial class NAME { }", "public partial class NAME<T> { }",
            "public partial record NAME;", "public class OuterNAME { public partial class NAME { } }",
            "public partial class OuterNAME { internal partial class NAME { public int Forward; } }",
            "partial class NAME { public NAME(int seed) { } }", "public partial struct NAME { }")));

    private static readonly Gen<string> Noise = Gen.Frequency(
        (30, Gen.Const("")),
        (1, Gen.OneOf("[Dense(", "]", "@@", "[Skip(\"h0\", ", "[Residual]", "[Dense(\"h9\", 2)")));

    private static readonly Gen<string> Declaration = Gen.Select(
        Residual, Dense.Array[0, 5], Skip.Array[0, 3], Shape, Noise, Gen.Int,
        (residual, layers, skips, shape, noise, seed) =>
        {
            var random = new Random(seed);
            for (int i = 0; i < layers.Length; i++)
            {
                layers[i] = layers[i].Replace("#NAME#", $"\"h{i}\"");
            }

            for (int i = 0; i < skips.Length; i++)
            {
                int to = layers.Length == 0 ? 0 : random.Next(layers.Length);
                int from = random.Next(-1, to);
                skips[i] = skips[i].Replace("#FROM#", from < 0 ? "\"x\"" : $"\"h{from}\"").Replace("#TO#", $"\"h{to}\"");
            }

            return $"{noise}\n{residual}\n{string.Join("\n", layers)}\n{string.Join("\n", skips)}\n{shape}";
        });

    private int _emitted, _skipErrors, _userErrors;

    [Fact]
    public void RandomDeclarationsNeverCrashTheGenerator()
    {
        Declaration.Array[PerCompilation].Sample(declarations =>
        {
            var trees = declarations.Select((d, i) => CSharpSyntaxTree.ParseText(
                $"using SkipNet;\nnamespace N{i};\n{d.Replace("NAME", "Net" + i)}",
                Harness.ParseOptions, path: $"Declaration{i}.cs")).ToArray();
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
        if (generatorDiagnostics.Any(d => d.Id == "CS8785") || run.Results.Any(r => r.Exception is not null))
        {
            throw new ShouldAssertException("the generator threw: " + run.Results.First().Exception);
        }

        var generated = run.GeneratedTrees.ToHashSet();
        var errors = output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        var inGenerated = errors.Where(e => e.Location.SourceTree is { } t && generated.Contains(t)).ToList();
        inGenerated.Select(e => e.ToString()).ShouldBeEmpty("generated code must compile");

        foreach (var tree in trees)
        {
            bool skipError = run.Diagnostics.Any(d => d.Location.GetLineSpan().Path == tree.FilePath && d.Severity == DiagnosticSeverity.Error);
            bool userError = errors.Any(e => e.Location.SourceTree == tree);
            bool emitted = run.GeneratedTrees.Any(g => g.GetRoot().DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.BaseNamespaceDeclarationSyntax>()
                .Any(n => n.Name.ToString() == Path.GetFileNameWithoutExtension(tree.FilePath).Replace("Declaration", "N")));
            _emitted += emitted ? 1 : 0;
            _skipErrors += skipError ? 1 : 0;
            _userErrors += userError ? 1 : 0;
            (skipError || userError || emitted).ShouldBeTrue($"{tree.FilePath}: no SKIP diagnostic, no compiler error and no code\n{tree}");
        }
    }
}
