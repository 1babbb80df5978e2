using BenchmarkDotNet.Attributes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using SkipNet.Generator;

namespace SkipNet.Benchmarks;

/// <summary>
/// What declaring a network adds to a build: the generator run (parse the attributes, validate,
/// emit) through CSharpGeneratorDriver on a fresh compilation, for a 50-layer width-512 network
/// (looped) and for the seed net (unrolled).
/// </summary>
[MemoryDiagnoser]
public class GeneratorBenchmarks
{
    private CSharpCompilation _deep = default!, _seed = default!;

    [GlobalSetup]
    public void Setup()
    {
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System.") || Path.GetFileName(p) is "netstandard.dll")
            .Append(typeof(ParameterBlock).Assembly.Location)
            .Select(p => MetadataReference.CreateFromFile(p)).ToArray();
        string deep = "using SkipNet;\n[Residual(Inputs = 512)]\n"
            + string.Concat(Enumerable.Range(0, 50).Select(i => $"[Dense(\"h{i}\", 512, Activation.ReLU)]\n"))
            + string.Concat(Enumerable.Range(1, 49).Select(i => $"[Skip(\"h{i - 1}\", \"h{i}\")]\n"))
            + "[Dense(\"y\", 1)]\npublic partial class Deep { }";
        const string seed = "using SkipNet;\n[Residual(Inputs = 1, Loss = Loss.L1)]\n[Dense(\"h0\", 1, Activation.ReLU)]\n[Dense(\"h1\", 1, Activation.ReLU)]\n[Dense(\"y\", 1)]\n[Skip(\"h0\", \"y\", SkipKind.Weighted)]\npublic partial class SeedNet { }";
        _deep = CSharpCompilation.Create("deep", [CSharpSyntaxTree.ParseText(deep)], references, new(OutputKind.DynamicallyLinkedLibrary));
        _seed = CSharpCompilation.Create("seed", [CSharpSyntaxTree.ParseText(seed)], references, new(OutputKind.DynamicallyLinkedLibrary));
    }

    [Benchmark]
    public int Generate_50x512() => Run(_deep);

    [Benchmark]
    public int Generate_Seed() => Run(_seed);

    private static int Run(CSharpCompilation compilation) =>
        CSharpGeneratorDriver.Create(new SkipNetGenerator())
            .RunGenerators(compilation.Clone())
            .GetRunResult().GeneratedTrees.Sum(t => t.Length);
}
