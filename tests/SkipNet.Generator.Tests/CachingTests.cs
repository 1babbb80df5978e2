using System.Collections;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace SkipNet.Generator.Tests;

/// <summary>The pipeline re-emits only when a network's declaration changed, and its models hold no Roslyn objects.</summary>
public class CachingTests
{
    private const string Seed = SnapshotTests.SeedNet;

    private const string Other = """
        using SkipNet;
        namespace Other;
        [Residual(Inputs = 2)]
        [Dense("h", 3, Activation.Tanh)]
        [Dense("y", 1)]
        public partial class OtherNet
        {
            public int Helper() => 1;
        }
        """;

    private static readonly string[] Steps =
    [
        TrackingNames.Parse, TrackingNames.Diagnostics, TrackingNames.Networks, TrackingNames.Orphans, TrackingNames.AllDiagnostics,
        TrackingNames.CollidingNames, TrackingNames.Emissions,
    ];

    [Fact]
    public void RunningTwiceIsFullyCached()
    {
        var compilation = Harness.Compilation(Seed, Other);
        var driver = Harness.Driver().RunGenerators(compilation);
        var second = driver.RunGenerators(compilation.Clone()).GetRunResult().Results.Single();

        foreach (var step in Steps)
        {
            second.TrackedSteps[step].SelectMany(s => s.Outputs).ShouldAllBe(o => o.Reason == IncrementalStepRunReason.Cached || o.Reason == IncrementalStepRunReason.Unchanged, step);
        }

        // Only the diagnostics report looks at the (new) compilation, to place its locations; the
        // source outputs, fed by the cached models, are not produced again.
        var outputs = second.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs).ToList();
        outputs.Count(o => o.Reason != IncrementalStepRunReason.Cached).ShouldBe(1, "the diagnostics report");
        outputs.Count(o => o.Reason == IncrementalStepRunReason.Cached).ShouldBe(2, "one cached source output per network");
    }

    [Fact]
    public void AnUnrelatedFileOrAMethodBodyReEmitsNothing()
    {
        var compilation = Harness.Compilation(Seed, Other);
        var driver = Harness.Driver().RunGenerators(compilation);

        compilation = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("public class Unrelated { }", Harness.ParseOptions));
        driver = driver.RunGenerators(compilation);
        NetworkReasons(driver).ShouldAllBe(r => r == IncrementalStepRunReason.Cached || r == IncrementalStepRunReason.Unchanged);

        var otherTree = compilation.SyntaxTrees.Single(t => t.ToString().Contains("OtherNet"));
        compilation = compilation.ReplaceSyntaxTree(otherTree, otherTree.WithChangedText(
            Microsoft.CodeAnalysis.Text.SourceText.From(Other.Replace("=> 1;", "=> 2 + 40;"))));
        driver = driver.RunGenerators(compilation);
        NetworkReasons(driver).ShouldAllBe(r => r == IncrementalStepRunReason.Cached || r == IncrementalStepRunReason.Unchanged);
    }

    [Fact]
    public void ChangingAWidthReEmitsThatNetworkOnly()
    {
        var compilation = Harness.Compilation(Seed, Other);
        var driver = Harness.Driver().RunGenerators(compilation);

        var otherTree = compilation.SyntaxTrees.Single(t => t.ToString().Contains("OtherNet"));
        compilation = compilation.ReplaceSyntaxTree(otherTree, otherTree.WithChangedText(
            Microsoft.CodeAnalysis.Text.SourceText.From(Other.Replace("Dense(\"h\", 3", "Dense(\"h\", 4"))));
        driver = driver.RunGenerators(compilation);

        var reasons = NetworkReasons(driver);
        reasons.Count(r => r == IncrementalStepRunReason.Modified).ShouldBe(1);
        reasons.Count(r => r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged).ShouldBe(1);
        Harness.Sources(driver.GetRunResult())["Other.OtherNet.g.cs"].ShouldContain("double z_h_3 = ");
    }

    [Fact]
    public void ANewNetworkReEmitsNoOtherUnlessTheirNamesCollide()
    {
        // The hint names look at every network's name; a new name that collides with none leaves
        // the other networks' emissions as they were.
        var compilation = Harness.Compilation(Seed, Other);
        var driver = Harness.Driver().RunGenerators(compilation);
        compilation = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText(
            "using SkipNet;\nnamespace Third;\n[Residual(Inputs = 1)]\n[Dense(\"y\", 1)]\npublic partial class ThirdNet { }", Harness.ParseOptions));
        driver = driver.RunGenerators(compilation);
        var reasons = driver.GetRunResult().Results.Single().TrackedSteps[TrackingNames.Emissions].SelectMany(s => s.Outputs).Select(o => o.Reason).ToList();
        reasons.Count(r => r == IncrementalStepRunReason.New).ShouldBe(1);
        reasons.Count(r => r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged).ShouldBe(2);

        // A network named like another but for case changes both file names, and only theirs.
        compilation = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText(
            "using SkipNet;\nnamespace Third;\n[Residual(Inputs = 1)]\n[Dense(\"y\", 1)]\npublic partial class THIRDNET { }", Harness.ParseOptions));
        driver = driver.RunGenerators(compilation);
        var emissions = driver.GetRunResult().Results.Single().TrackedSteps[TrackingNames.Emissions].SelectMany(s => s.Outputs).ToList();
        emissions.Count(o => o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged).ShouldBe(2, "the seed net and the other");
        Harness.Sources(driver.GetRunResult()).Keys.Count(k => k.StartsWith("Third.", StringComparison.OrdinalIgnoreCase)).ShouldBe(2);
    }

    [Fact]
    public void PipelineValuesHoldNoRoslynObjects()
    {
        var driver = Harness.Driver().RunGenerators(Harness.Compilation(Seed, Other, "using SkipNet;\n[Residual]\npublic class Broken { }"));
        var result = driver.GetRunResult().Results.Single();
        foreach (var step in Steps)
        {
            foreach (var (value, _) in result.TrackedSteps[step].SelectMany(s => s.Outputs))
            {
                AssertNoRoslynObjects(value, step);
            }
        }
    }

    private static List<IncrementalStepRunReason> NetworkReasons(GeneratorDriver driver) =>
        driver.GetRunResult().Results.Single().TrackedSteps[TrackingNames.Networks].SelectMany(s => s.Outputs).Select(o => o.Reason).ToList();

    private static void AssertNoRoslynObjects(object? value, string path)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum)
        {
            return;
        }

        value.ShouldNotBeAssignableTo<ISymbol>(path);
        value.ShouldNotBeAssignableTo<SyntaxNode>(path);
        value.ShouldNotBeAssignableTo<Location>(path);
        value.ShouldNotBeAssignableTo<Compilation>(path);
        value.ShouldNotBeAssignableTo<SemanticModel>(path);

        if (value is DiagnosticDescriptor or Microsoft.CodeAnalysis.Text.TextSpan or Microsoft.CodeAnalysis.Text.LinePositionSpan)
        {
            return; // immutable values, safe to cache
        }

        if (value is IEnumerable items)
        {
            foreach (var item in items)
            {
                AssertNoRoslynObjects(item, path + "[]");
            }

            return;
        }

        foreach (var property in value.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0))
        {
            AssertNoRoslynObjects(property.GetValue(value), path + "." + property.Name);
        }
    }
}
