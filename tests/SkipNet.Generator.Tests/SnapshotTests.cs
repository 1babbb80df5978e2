using System.Text.RegularExpressions;

namespace SkipNet.Generator.Tests;

/// <summary>
/// The generated source is the product's face: any change to it must be reviewed. Approved files
/// live in Snapshots/ (one per generated source); run scripts/accept-snapshots.sh to accept.
/// </summary>
public class SnapshotTests
{
    public const string SeedNet = """
        using SkipNet;

        namespace SeedExercise;

        [Residual(Inputs = 1, Loss = Loss.L1)]
        [Dense("h0", 1, Activation.ReLU)]
        [Dense("h1", 1, Activation.ReLU)]
        [Dense("y", 1)]
        [Skip("h0", "y", SkipKind.Weighted)]
        public partial class SeedNet { }
        """;

    public const string WideNet = """
        using SkipNet;

        namespace Samples;

        [Residual(Inputs = 16, Loss = Loss.MSE, Precision = Precision.Single)]
        [Dense("h0", 128, Activation.ReLU)]
        [Dense("h1", 128, Activation.Tanh)]
        [Dense("h2", 128, Activation.LeakyReLU, Alpha = 0.05)]
        [Dense("y", 2)]
        [Skip("h0", "h2")]
        [Skip("x", "y", SkipKind.Weighted)]
        public partial class WideNet { }
        """;

    public const string ConvNet = """
        using SkipNet;

        namespace Samples;

        [Residual(InputShape = new[] { 1, 12, 12 }, Loss = Loss.CrossEntropy, Precision = Precision.Single)]
        [Conv2D("c0", 8, 3, Padding = 1)]
        [BatchNorm("bn0", Activation.ReLU)]
        [Conv2D("c1", 8, 3, Activation.ReLU, Padding = 1)]
        [Skip("bn0", "c1")]
        [MaxPool2D("p1", 2)]
        [Conv2D("c2", 16, 3, Activation.ReLU, Stride = 2, Padding = 1)]
        [Skip("p1", "c2", SkipKind.Weighted)]
        [GlobalAvgPool2D("gap")]
        [Dense("y", 10)]
        public partial class ConvNet { }
        """;

    [Fact]
    public void SeedNetIsUnrolled() => Approve(SeedNet);

    [Fact]
    public void WideNetIsLooped() => Approve(WideNet);

    [Fact]
    public void ConvNetIsLooped() => Approve(ConvNet);

    [Fact]
    public void TheSameDeclarationGivesTheSameBytes()
    {
        var first = Harness.Sources(Harness.Generate(SeedNet, WideNet).Run);
        var second = Harness.Sources(Harness.Generate(SeedNet, WideNet).Run);
        second.ShouldBe(first);
    }

    private static void Approve(string declaration)
    {
        var sources = Harness.Sources(Harness.Generate(declaration).Run);
        sources.Count.ShouldBe(1);
        foreach (var (hintName, text) in sources)
        {
            Scrub(text).ShouldMatchApproved(c => c
                .LocateTestMethodUsingAttribute<FactAttribute>()
                .SubFolder("Snapshots")
                .WithDiscriminator(hintName)
                .WithFileExtension("txt")
                .NoDiff());
        }
    }

    private static string Scrub(string source) =>
        Regex.Replace(source, "GeneratedCode\\(\"SkipNet.Generator\", \"[^\"]+\"\\)", "GeneratedCode(\"SkipNet.Generator\", \"VERSION\")");
}
