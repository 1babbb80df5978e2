using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using SkipNet.Generator.Emit;

namespace SkipNet.Generator.Tests;

/// <summary>
/// Names the user chooses for namespaces and classes: escaped identifiers, names that differ only
/// in case, and the file names (hint names) of the generated sources.
/// </summary>
public class NamingTests
{
    private const string Layers = "[Dense(\"h\", 3, Activation.Tanh)]\n[Dense(\"y\", 1)]";

    [Fact]
    public void NetworksWhoseNamesDifferOnlyInCaseAreBothGenerated()
    {
        // Roslyn wants hint names unique ignoring case: each of the pair gets its own file.
        var assembly = Load(
            $"using SkipNet;\nnamespace App;\n[Residual(Inputs = 2)]\n{Layers}\npublic partial class Mlp {{ }}",
            $"using SkipNet;\nnamespace App;\n[Residual(Inputs = 2)]\n{Layers}\n[Dense(\"z\", 2)]\npublic partial class MLP {{ }}",
            $"using SkipNet;\nnamespace app;\n[Residual(Inputs = 2)]\n{Layers}\npublic partial class mlp {{ }}",
            $"using SkipNet;\nnamespace App;\n[Residual(Inputs = 2)]\n{Layers}\npublic partial class Other {{ }}");
        Train(assembly, "App.Mlp").ShouldBe(1);
        Train(assembly, "App.MLP").ShouldBe(2);
        Train(assembly, "app.mlp").ShouldBe(1);
        Train(assembly, "App.Other").ShouldBe(1);
    }

    [Fact]
    public void EscapedNamespacesAndClassNamesAreEmittedEscaped()
    {
        var assembly = Load(
            $"using SkipNet;\nnamespace App.@internal.@var;\n[Residual(Inputs = 2)]\n{Layers}\npublic partial class @event {{ }}",
            $"using SkipNet;\nnamespace App;\npublic partial class @record {{\n[Residual(Inputs = 2)]\n{Layers}\npublic partial class @class {{ }} }}");
        Train(assembly, "App.internal.var.event").ShouldBe(1);
        Train(assembly, "App.record+class").ShouldBe(1);
    }

    [Fact]
    public void HintNamesAreFileNamesUniqueIgnoringCase()
    {
        var colliding = HintNames.Colliding(["App.Mlp", "App.MLP", "App.Other", "Äpp.Ω"]);
        string mlp = HintNames.For("App.Mlp", colliding), upper = HintNames.For("App.MLP", colliding);
        string.Equals(mlp, upper, StringComparison.OrdinalIgnoreCase).ShouldBeFalse();
        mlp.ShouldStartWith("App.Mlp.");
        HintNames.For("App.Other", colliding).ShouldBe("App.Other.g.cs");
        HintNames.For("Äpp.Ω", colliding).ShouldBe("Äpp.Ω.g.cs");
        HintNames.For("App.@x", colliding).ShouldNotContain("@");
        HintNames.For("App.Mlp", colliding).ShouldBe(mlp, "the same name always gives the same file");
    }

    /// <summary>Generates, compiles (lower-case type names only warn, CS8981) and loads.</summary>
    private static Assembly Load(params string[] sources)
    {
        var compilation = Harness.Compilation(sources);
        compilation = compilation.WithOptions(compilation.Options.WithSpecificDiagnosticOptions([new("CS8981", ReportDiagnostic.Suppress)]));
        var driver = Harness.Driver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);
        generatorDiagnostics.ShouldBeEmpty();
        var run = driver.GetRunResult();
        run.Diagnostics.ShouldBeEmpty();
        run.Results.ShouldAllBe(r => r.Exception == null);
        run.GeneratedTrees.Length.ShouldBe(sources.Length);
        using var stream = new MemoryStream();
        var emit = output.Emit(stream);
        emit.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).Select(d => d.ToString()).ShouldBeEmpty();
        stream.Position = 0;
        return Harness.Load(stream);
    }

    /// <summary>Takes a training step on the network and returns its output width.</summary>
    private static int Train(Assembly assembly, string type)
    {
        var net = (IResidualNetwork<double>)Activator.CreateInstance(assembly.GetType(type, throwOnError: true)!, 1)!;
        double loss = net.TrainStep(new double[net.InputSize], new double[net.OutputSize], 0.1);
        double.IsFinite(loss).ShouldBeTrue();
        return net.OutputSize;
    }
}
