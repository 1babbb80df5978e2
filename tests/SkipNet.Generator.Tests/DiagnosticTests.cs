using Microsoft.CodeAnalysis;

namespace SkipNet.Generator.Tests;

/// <summary>Every bad declaration gives its SKIP diagnostic, on the offending text, and no code.</summary>
public class DiagnosticTests
{
    private const string Layers = """
        [Dense("h0", 2, Activation.ReLU)]
        [Dense("h1", 2, Activation.ReLU)]
        [Dense("y", 1)]
        """;

    public static TheoryData<string, string, string, string> Cases() => new()
    {
        // id, attributes and class, the text the diagnostic must point at, a phrase of its message
        { "SKIP001", $"[Residual(Inputs = 1)]\n{Layers}\npublic class Net {{ }}", "Net", "partial class Net" },
        { "SKIP002", $"[Residual(Loss = Loss.L1)]\n{Layers}\npublic partial class Net {{ }}", "Residual(Loss = Loss.L1)", "Inputs = n" },
        { "SKIP003", $"[Residual(Inputs = 0)]\n{Layers}\npublic partial class Net {{ }}", "Inputs = 0", "between 1 and 65536" },
        { "SKIP003", $"[Residual(Inputs = -3)]\n{Layers}\npublic partial class Net {{ }}", "Inputs = -3", "Inputs is -3" },
        { "SKIP004", "[Residual(Inputs = 1)]\n[Dense(\"h0\", 0)]\npublic partial class Net { }", "0", "'h0' has 0 units" },
        { "SKIP004", "[Residual(Inputs = 1)]\n[Dense(\"h0\", 100000)]\npublic partial class Net { }", "100000", "between 1 and 65536" },
        { "SKIP005", "[Residual(Inputs = 1)]\npublic partial class Net { }", "Net", "[Dense(\"name\", units)]" },
        { "SKIP006", $"[Residual(Inputs = 1)]\n{Layers}\n[Dense(\"H0\", 1)]\npublic partial class Net {{ }}", "\"H0\"", "already used by layer 'h0'" },
        { "SKIP007", "[Residual(Inputs = 1)]\n[Dense(\"my_layer\", 1)]\npublic partial class Net { }", "\"my_layer\"", "letters and digits" },
        { "SKIP007", "[Residual(Inputs = 1)]\n[Dense(\"int\", 1)]\npublic partial class Net { }", "\"int\"", "not a C# keyword" },
        { "SKIP008", "[Residual(Inputs = 1)]\n[Dense(\"x\", 1)]\npublic partial class Net { }", "\"x\"", "means the network's input" },
        { "SKIP009", $"[Residual(Inputs = 1)]\n{Layers}\n[Skip(\"h0\", \"yy\")]\npublic partial class Net {{ }}", "\"yy\"", "did you mean \"y\"" },
        { "SKIP009", $"[Residual(Inputs = 1)]\n{Layers}\n[Skip(\"hh1\", \"y\", SkipKind.Weighted)]\npublic partial class Net {{ }}", "\"hh1\"", "did you mean \"h1\"" },
        { "SKIP010", $"[Residual(Inputs = 1)]\n{Layers}\n[Skip(\"y\", \"h0\", SkipKind.Weighted)]\npublic partial class Net {{ }}", "\"h0\"", "points backward" },
        { "SKIP010", $"[Residual(Inputs = 1)]\n{Layers}\n[Skip(\"h1\", \"h1\")]\npublic partial class Net {{ }}", "\"h1\"", "points to itself" },
        { "SKIP011", $"[Residual(Inputs = 1)]\n{Layers}\n[Skip(\"h0\", \"y\")]\npublic partial class Net {{ }}", "Skip(\"h0\", \"y\")", "SkipKind.Weighted" },
        { "SKIP011", $"[Residual(Inputs = 1)]\n{Layers}\n[Skip(\"x\", \"h1\", SkipKind.Identity)]\npublic partial class Net {{ }}", "SkipKind.Identity", "vector of 1 into one of 2" },
        { "SKIP012", $"[Residual(Inputs = 1)]\n{Layers}\n[Skip(\"h0\", \"y\", SkipKind.Weighted)]\n[Skip(\"h0\", \"y\", SkipKind.Weighted)]\npublic partial class Net {{ }}", "\"y\"", "declared twice" },
        { "SKIP013", $"[Residual(Inputs = 1)]\n{Layers}\npublic static partial class Net {{ }}", "Net", "remove 'static'" },
        { "SKIP014", $"[Residual(Inputs = 1)]\n{Layers}\npublic partial class Net<T> {{ }}", "Net", "remove the type parameters" },
        { "SKIP015", $"public class Outer {{\n[Residual(Inputs = 1)]\n{Layers}\npublic partial class Net {{ }} }}", "Net", "declare 'Outer' as partial" },
        { "SKIP016", "[Residual(Inputs = 64, CodeStyle = CodeStyle.Unrolled)]\n[Dense(\"h0\", 64)]\n[Dense(\"y\", 1)]\npublic partial class Net { }", "CodeStyle = CodeStyle.Unrolled", "use CodeStyle.Looped" },
        { "SKIP017", "[Residual(Inputs = 65536)]\n[Dense(\"h0\", 65536)]\npublic partial class Net { }", "Net", "4295032832 parameters" },
        { "SKIP018", $"[Residual(Inputs = 1)]\n[Dense(\"h0\", 2, Activation.ReLU, Alpha = 0.2)]\n[Dense(\"y\", 1)]\npublic partial class Net {{ }}", "Alpha = 0.2", "only applies to Activation.LeakyReLU" },
        { "SKIP020", $"[Residual(Inputs = 1)]\n{Layers}\npublic partial class Net {{ public void Step() {{ }} }}", "Step", "already has a member 'Step'" },
        { "SKIP020", $"[Residual(Inputs = 1)]\n{Layers}\npublic partial class Net {{ public Net(int size) {{ }} }}", "Net", "member 'Net(int)'" },
        { "SKIP020", $"public class Base {{ protected int H1Bias; }}\n[Residual(Inputs = 1)]\n{Layers}\npublic partial class Net : Base {{ }}", "H1Bias", "member 'H1Bias'" },
        { "SKIP021", $"{Layers}\n[Skip(\"h0\", \"y\", SkipKind.Weighted)]\npublic partial class Net {{ }}", "Dense(\"h0\", 2, Activation.ReLU)", "add [Residual(Inputs = n)] to 'Net'" },
        { "SKIP021", "[Skip(\"h0\", \"y\")]\npublic class Net { }", "Skip(\"h0\", \"y\")", "has [Skip] but no [Residual]" },
        { "SKIP022", "[Residual(Inputs = 1, Loss = Loss.MSE)]\n[Dense(\"h0\", 2, Activation.ReLU)]\n[Dense(\"y\", 1, Activation.ReLU)]\npublic partial class Net { }", "Activation.ReLU", "cannot predict a negative target" },
        { "SKIP019", "[Residual(Inputs = 1)]\n[Dense(\"y\", 1, (Activation)42)]\npublic partial class Net { }", "(Activation)42", "42 is not a defined Activation" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void BadDeclarationsAreReportedWhereTheyAre(string id, string declaration, string located, string phrase)
    {
        string source = "using SkipNet;\n" + declaration;
        var (run, _) = Harness.Generate(source);

        var diagnostic = run.Diagnostics.ShouldHaveSingleItem();
        diagnostic.Id.ShouldBe(id);
        var span = diagnostic.Location.SourceSpan;
        source.Substring(span.Start, span.Length).ShouldBe(located);
        diagnostic.Location.GetLineSpan().Path.ShouldBe("Network0.cs");
        diagnostic.GetMessage().ShouldContain(phrase);
        diagnostic.Descriptor.HelpLinkUri.ShouldEndWith("diagnostics.md#" + id.ToLowerInvariant());

        bool isError = diagnostic.DefaultSeverity == DiagnosticSeverity.Error;
        Harness.Sources(run).Count.ShouldBe(isError ? 0 : 1, "errors generate nothing; warnings still generate");
    }

    [Fact]
    public void EveryDescriptorIsTestedDocumentedAndTracked()
    {
        var ids = typeof(SkipNetGenerator).Assembly.GetType("SkipNet.Generator.Diagnostics.Descriptors")!
            .GetFields().Select(f => ((DiagnosticDescriptor)f.GetValue(null)!).Id).ToList();
        ids.ShouldBeUnique();
        var tested = Cases().Select(row => (string)row[0]).ToHashSet();
        string root = RepositoryRoot();
        string docs = File.ReadAllText(Path.Combine(root, "docs", "diagnostics.md"));
        string releases = File.ReadAllText(Path.Combine(root, "src", "Generator", "AnalyzerReleases.Unshipped.md"));
        foreach (var id in ids)
        {
            tested.ShouldContain(id);
            docs.ShouldContain($"## {id}");
            releases.ShouldContain(id + " |");
        }
    }

    [Theory]
    [InlineData("namespace A.B;\n[Residual(Inputs = 2)]\n[Dense(\"y\", 1)]\npublic partial class Net { }")]
    [InlineData("[Residual(Inputs = 2)]\n[Dense(\"y\", 1)]\ninternal partial class Net { }")]
    [InlineData("public partial class Outer { public partial struct Inner {\n[Residual(Inputs = 2)]\n[Dense(\"y\", 1)]\ninternal sealed partial class Net { } } }")]
    [InlineData("[Residual(Inputs = 2)]\n[Dense(\"y\", 1)]\npublic partial record Net;")]
    [InlineData("[Residual(Inputs = 2, Loss = Loss.MSE)]\n[Dense(name: \"h\", activation: Activation.Tanh, units: 3)]\n[Dense(\"y\", 1)]\n[Skip(to: \"y\", from: \"x\", kind: SkipKind.Weighted)]\npublic partial class Net { }")]
    public void ValidDeclarationsCompileWithoutWarnings(string declaration) =>
        Harness.GenerateAndLoad("using SkipNet;\n" + declaration).GetTypes().ShouldContain(t => t.Name == "Net");

    [Fact]
    public void DiagnosticsArePlacedInTheCompilationsOwnTree()
    {
        // In-source locations let #pragma warning and the IDE's code fixes apply to them
        // (tests/SkipNet.Tests/Networks.cs builds with a pragma-silenced SKIP018 under TreatWarningsAsErrors).
        var compilation = Harness.Compilation("using SkipNet;\n[Residual(Inputs = 1)]\n[Dense(\"y\", 1, Activation.Tanh, Alpha = 0.3)]\npublic partial class Net { }");
        var diagnostic = Harness.Driver().RunGenerators(compilation).GetRunResult().Diagnostics.ShouldHaveSingleItem();
        diagnostic.Location.IsInSource.ShouldBeTrue();
        diagnostic.Location.SourceTree.ShouldBeSameAs(compilation.SyntaxTrees.Single());
    }

    [Fact]
    public void MalformedAttributesLeaveTheErrorToTheCompiler()
    {
        var (run, output) = Harness.Generate("using SkipNet;\n[Residual(Inputs = 1)]\n[Dense(\"y\")]\npublic partial class Net { }");
        run.Diagnostics.ShouldBeEmpty();
        Harness.Sources(run).ShouldBeEmpty();
        output.GetDiagnostics().ShouldContain(d => d.Id == "CS7036"); // missing argument 'units'
    }

    internal static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "SkipNet.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("SkipNet.sln not found above " + AppContext.BaseDirectory);
    }
}
