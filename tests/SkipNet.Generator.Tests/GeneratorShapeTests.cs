namespace SkipNet.Generator.Tests;

public class GeneratorShapeTests
{
    [Fact]
    public void TheGeneratorLoadsInEveryDotNet8Compiler()
    {
        // The .NET 8.0.100 SDK ships Roslyn 4.8; a generator built against a newer Roslyn would not load there.
        var roslyn = typeof(SkipNetGenerator).Assembly.GetReferencedAssemblies().Where(a => a.Name!.StartsWith("Microsoft.CodeAnalysis")).ToList();
        roslyn.ShouldNotBeEmpty();
        roslyn.ShouldAllBe(a => a.Version! <= new Version(4, 8, 0, 0));
    }

    [Fact]
    public void LoopedSourceGrowsWithLayersNotWidth()
    {
        static int Size(int width, int layers) => Harness.Sources(Harness.Generate(
            "using SkipNet;\n[Residual(Inputs = 8)]\n"
            + string.Concat(Enumerable.Range(0, layers).Select(i => $"[Dense(\"h{i}\", {width}, Activation.ReLU)]\n"))
            + "[Dense(\"y\", 1)]\npublic partial class Net { }").Run).Single().Value.Length;

        int narrow = Size(64, 20), wide = Size(4096, 20), deep = Size(4096, 40);
        wide.ShouldBeLessThan(narrow * 11 / 10, "width 4096 vs 64");
        deep.ShouldBeInRange(wide * 17 / 10, wide * 21 / 10);
        (deep / 41).ShouldBeLessThan(4_500, "characters per layer (its kernel calls in three passes, accessors, workspace buffers and initialization)");
    }

    /// <summary>
    /// Forward runs a convolution and the BatchNorm after it as one pass only where nothing else reads
    /// the convolution; the pass writes BatchNorm's h (the skip added, ReLU taken) when its skips are at
    /// most one identity skip and its activation ReLU or none, else its z, and the rest follows as usual.
    /// (That the numbers are the layers' one by one: LayerKindTests' fused forms and DirectConvolutionTests.)
    /// </summary>
    [Theory]
    [InlineData(0, "c0, bn1", "rectify: true")]
    [InlineData(1, "global::System.Span<double>.Empty, bn1", "rectify: false")]
    [InlineData(2, "global::System.Span<double>.Empty, z_bn1", "rectify: false")]
    [InlineData(3, "global::System.Span<double>.Empty, z_bn1", "rectify: false")]
    [InlineData(4, null, null)]
    [InlineData(5, "global::System.Span<double>.Empty, bn1", "rectify: true")]
    public void AConvolutionAndItsBatchNormRunAsOnePassInEvalMode(int form, string? results, string? rectify)
    {
        var spec = NetSpec.DrawFused(0, form);
        var (run, _) = Harness.Generate("using SkipNet;\n" + spec.Declare(CodeStyle.Looped, Precision.Double));
        run.Diagnostics.ShouldBeEmpty();
        string source = Harness.Sources(run).Single().Value;
        string forward = source[source.IndexOf("private void ForwardChunk(", StringComparison.Ordinal)..source.IndexOf("private double BackwardChunk(", StringComparison.Ordinal)];
        var fused = forward.Split('\n').Where(line => line.Contains("ImageKernels.Conv2DBatchNormForward<double>(", StringComparison.Ordinal)).ToList();
        if (results is null)
        {
            fused.ShouldBeEmpty();
            forward.ShouldContain("LayerKernels.BatchNormEvalForward<double>(");
            return;
        }

        if (rectify == "rectify: true")
        {
            // ReLU's derivative at 0 is 1, which h cannot tell from z < 0: InputGradient's eval pass keeps z.
            fused.Count.ShouldBe(2);
            forward.ShouldContain("else if (keep_z)");
            fused[0].ShouldContain("global::System.Span<double>.Empty, z_bn1");
            fused[0].ShouldContain("rectify: false");
            source.ShouldContain("ForwardChunk(ws, x_in, n_rows, false, true); // eval mode, keeping every z a derivative reads");
            fused.RemoveAt(0);
        }
        else
        {
            forward.ShouldNotContain("keep_z");
        }

        fused.ShouldHaveSingleItem().ShouldContain(results);
        fused[0].ShouldContain(rectify!);
        forward.ShouldNotContain("BatchNormEvalForward");
        int train = forward.IndexOf("if (train)", StringComparison.Ordinal), evaluation = forward.IndexOf("else", train, StringComparison.Ordinal);
        forward[train..evaluation].ShouldContain("ImageKernels.Conv2DForward<double>(C1Weights", Case.Sensitive, "training calls run the convolution on its own");
        int after = forward.IndexOf('}', forward.IndexOf(fused[0], StringComparison.Ordinal));
        string rest = forward[after..];
        if (results.EndsWith("z_bn1", StringComparison.Ordinal))
        {
            rest.ShouldContain(form == 2 ? "Activations.GELU<double>(z_bn1, bn1)" : "Activations.ReLU<double>(z_bn1, bn1)");
        }
        else
        {
            rest.ShouldNotContain("(z_bn1, bn1)");
        }
    }
}

public class LargeNetworkTests
{
    private static string Declaration(int layers, int width) =>
        "using SkipNet;\n[Residual(Inputs = 64)]\n"
        + string.Concat(Enumerable.Range(0, layers).Select(i => $"[Dense(\"h{i}\", {width}, Activation.ReLU)]\n"))
        + string.Concat(Enumerable.Range(2, layers - 2).Where(i => i % 2 == 0).Select(i => $"[Skip(\"h{i - 2}\", \"h{i}\")]\n"))
        + "[Dense(\"y\", 1)]\npublic partial class Big { }";

    [Fact]
    public void TwoHundredWideLayersGenerateASmallFile()
    {
        // 200 layers of 3,000 units: 1.8 billion parameters, the most one array holds at this depth.
        var (run, output) = Harness.Generate(Declaration(200, 3000));
        run.Diagnostics.ShouldBeEmpty();
        string source = Harness.Sources(run).Single().Value;
        long parameters = (64 + 1) * 3000L + 199 * (3000 + 1) * 3000L + (3000 + 1);
        parameters.ShouldBeGreaterThan(1_790_000_000);
        source.ShouldContain($"public const int ParameterCount = {parameters};");
        source.Length.ShouldBeLessThan(201 * 4_500, "characters: about 4 KB a layer, whatever the width");
        output.GetDiagnostics().Where(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error).ShouldBeEmpty();
    }

    [Fact]
    public void TwoHundredLayersOf4096AreMoreThanOneArrayHolds()
    {
        // 200 × 4096² ≈ 3.4 billion parameters (27 GB in double): reported; only the throwing surface is generated.
        var (run, output) = Harness.Generate(Declaration(200, 4096));
        run.Diagnostics.ShouldHaveSingleItem().Id.ShouldBe("SKIP017");
        Harness.Sources(run).Single().Value.ShouldContain("not generated");
        output.GetDiagnostics().Where(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error).ShouldBeEmpty();
    }
}
