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
        (deep / 41).ShouldBeLessThan(3_000, "characters per layer");
    }
}
