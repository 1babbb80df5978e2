using System.Collections.Immutable;
using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Shouldly;

namespace SkipNet.Generator.Tests;

/// <summary>Runs the generator through CSharpGeneratorDriver and compiles what it writes.</summary>
internal static class Harness
{
    /// <summary>The framework's assemblies and SkipNet's runtime, as compilation references.</summary>
    public static readonly ImmutableArray<MetadataReference> References =
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System.") || Path.GetFileName(p) is "mscorlib.dll" or "netstandard.dll")
            .Append(typeof(SkipNet.ParameterBlock).Assembly.Location)
            .Distinct()
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToImmutableArray();

    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.CSharp12);

    public static CSharpCompilation Compilation(params string[] sources) =>
        CSharpCompilation.Create(
            "Networks",
            sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: $"Network{i}.cs")),
            References,
            new CSharpCompilationOptions(
                OutputKind.DynamicallyLinkedLibrary,
                nullableContextOptions: NullableContextOptions.Enable,
                warningLevel: 9999, // every warning wave
                generalDiagnosticOption: ReportDiagnostic.Error, // TreatWarningsAsErrors
                optimizationLevel: OptimizationLevel.Release));

    public static GeneratorDriver Driver() =>
        CSharpGeneratorDriver.Create(
            [new SkipNetGenerator().AsSourceGenerator()],
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Generates for the sources; returns the run result and the compilation with the generated files.</summary>
    public static (GeneratorDriverRunResult Run, Compilation Output) Generate(params string[] sources)
    {
        var driver = Driver().RunGeneratorsAndUpdateCompilation(Compilation(sources), out var output, out var generatorDiagnostics);
        generatorDiagnostics.ShouldNotContain(d => d.Id == "CS8785", "the generator threw");
        return (driver.GetRunResult(), output);
    }

    /// <summary>Generates, asserts no diagnostics at all (warnings are errors), and loads the assembly.</summary>
    public static Assembly GenerateAndLoad(params string[] sources) => GenerateAndLoad(sources, acceptedWarnings: []);

    /// <summary>As <see cref="GenerateAndLoad(string[])"/>, but SKIP warnings with these IDs are expected and accepted.</summary>
    public static Assembly GenerateAndLoad(string[] sources, string[] acceptedWarnings)
    {
        var (run, output) = Generate(sources);
        run.Diagnostics.Where(d => !(d.DefaultSeverity == DiagnosticSeverity.Warning && acceptedWarnings.Contains(d.Id))).ShouldBeEmpty();
        using var stream = new MemoryStream();
        var emit = output.Emit(stream);
        emit.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).Select(d => d.ToString()).ShouldBeEmpty();
        emit.Success.ShouldBeTrue();
        stream.Position = 0;
        return Load(stream);
    }

    /// <summary>
    /// The compiled networks, each in a context of its own. The contexts are not collectible: with collectible ones this test host crashed
    /// intermittently in the GC (a segfault in libcoreclr, about 1 run in 14 on .NET 10.0.12 and 3 in
    /// 10 the day before), with every check of the kernels' writes passing (marker bands around the
    /// caller's spans, the scratch arrays and the networks' own storage). A generated network keeps
    /// a [ThreadStatic] workspace, and thread statics of collectible types on thread-pool threads are
    /// where the runtime has fixed such crashes before (dotnet/runtime#111257); that this is the cause
    /// here is a guess. Users load generated networks into the default context, which is not
    /// collectible either. Nor do they cost memory: this test host peaked at 2.4 GB with them and at
    /// 3.3 GB with collectible ones (one run each).
    /// </summary>
    public static Assembly Load(Stream stream) => new AssemblyLoadContext(null, isCollectible: false).LoadFromStream(stream);

    /// <summary>The text of every generated source, by hint name.</summary>
    public static Dictionary<string, string> Sources(GeneratorDriverRunResult run) =>
        run.Results.SelectMany(r => r.GeneratedSources).ToDictionary(s => s.HintName, s => s.SourceText.ToString());
}
