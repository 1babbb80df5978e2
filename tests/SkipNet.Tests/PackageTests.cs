using System.Diagnostics;
using System.IO.Compression;

namespace SkipNet.Tests;

/// <summary>
/// Packs SkipNet once (from a copy of the sources, so the repository is not touched), then builds
/// and runs a fresh project outside the repository that uses it by PackageReference.
/// </summary>
[Trait("Category", "Slow")] // dotnet test --filter "Category!=Slow" leaves it out of a first check
public class PackageTests : IClassFixture<PackageTests.Packed>
{
    private readonly Packed _packed;

    public PackageTests(Packed packed) => _packed = packed;

    public sealed class Packed : IDisposable
    {
        public string Root { get; } = Directory.CreateTempSubdirectory("skipnet-package-").FullName;

        public string Version { get; } = "0.0.0-test." + DateTime.UtcNow.ToString("yyyyMMddHHmmssfff");

        public string Feed => Path.Combine(Root, "feed");

        public string Package => Path.Combine(Feed, $"SkipNet.{Version}.nupkg");

        public string Sources => Path.Combine(Root, "repo");

        public Packed()
        {
            string repository = Repository.Root;
            string sources = Path.Combine(Root, "repo");
            foreach (var file in new[] { "Directory.Build.props", "global.json", "README.md", "LICENSE" })
            {
                Directory.CreateDirectory(sources);
                File.Copy(Path.Combine(repository, file), Path.Combine(sources, file));
            }

            CopySources(Path.Combine(repository, "src"), Path.Combine(sources, "src"));
            // A copy without .git: MinVer steps aside and the version is the test's own.
            Dotnet.Run(sources, "pack", "src/Runtime", "-c", "Release", "-o", Feed, $"-p:Version={Version}", "-p:MinVerSkip=true");
            Dotnet.Run(sources, "pack", "src/Onnx", "-c", "Release", "-o", Feed, $"-p:Version={Version}", "-p:MinVerSkip=true");
        }

        public void Dispose() => Directory.Delete(Root, recursive: true);

        private static void CopySources(string from, string to)
        {
            Directory.CreateDirectory(to);
            foreach (var file in Directory.GetFiles(from))
            {
                File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
            }

            foreach (var dir in Directory.GetDirectories(from).Where(d => Path.GetFileName(d) is not ("bin" or "obj")))
            {
                CopySources(dir, Path.Combine(to, Path.GetFileName(dir)));
            }
        }
    }

    [Fact]
    public void ThePackageHoldsTheRuntimeInLibAndTheGeneratorInAnalyzers()
    {
        using var zip = ZipFile.OpenRead(_packed.Package);
        var entries = zip.Entries.Select(e => e.FullName).ToList();
        entries.ShouldContain("lib/net8.0/SkipNet.dll");
        entries.ShouldContain("lib/net8.0/SkipNet.xml");
        entries.ShouldContain("lib/netstandard2.1/SkipNet.dll");
        entries.ShouldContain("lib/netstandard2.1/SkipNet.xml");
        entries.ShouldContain("analyzers/dotnet/cs/SkipNet.Generator.dll");
        entries.ShouldContain("analyzers/dotnet/cs/SkipNet.CodeFixes.dll");
        entries.ShouldContain("README.md");
        entries.ShouldNotContain(e => e.StartsWith("lib/") && e.Contains("Generator"));

        using var nuspec = new StreamReader(zip.GetEntry("SkipNet.nuspec")!.Open());
        string text = nuspec.ReadToEnd();
        text.ShouldContain("<license type=\"expression\">MIT</license>");
        text.ShouldContain("<tags>neural-network");
        text.ShouldContain("<repository type=\"git\"");
        text.ShouldNotContain("<dependency ");
    }

    [Fact]
    public void AFreshProjectBuildsTrainsAndGetsExactGradients()
    {
        string consumer = Consumer("consumer", "SkipNet", nugetOrg: false);
        File.WriteAllText(Path.Combine(consumer, "Program.cs"), """
            using System;
            using SkipNet;

            var net = new Net(seed: 3);
            double[] x = [0.3, -0.7, 0.2, 0.9, 0.1, -0.5], y = [0.25, -0.5];
            var check = GradientCheck.Run(net, x, y);
            Console.WriteLine(check);
            double before = net.Evaluate(x, y);
            for (int step = 0; step < 50; step++) net.TrainStep(x, y, 0.05);
            Console.WriteLine($"parameters={Net.ParameterCount} passed={check.Passed} before={before:R} after={net.Evaluate(x, y):R}");
            var generated = (System.CodeDom.Compiler.GeneratedCodeAttribute)Attribute.GetCustomAttribute(typeof(Net).GetMethod("Forward")!, typeof(System.CodeDom.Compiler.GeneratedCodeAttribute))!;
            Console.WriteLine($"generator={generated.Tool} {generated.Version}");
            return check.Passed && net.Evaluate(x, y) < before ? 0 : 1;

            [Residual(Inputs = 3, Loss = Loss.MSE)]
            [Dense("h0", 5, Activation.Tanh)]
            [Dense("h1", 5, Activation.Tanh)]
            [Dense("y", 1)]
            [Skip("h0", "y", SkipKind.Weighted)]
            [Skip("x", "h1", SkipKind.Weighted)]
            partial class Net;
            """);

        string output = Dotnet.Run(consumer, "run");
        output.ShouldContain("passed=True");
        output.ShouldContain("h0->y.S");
        output.ShouldContain($"generator=SkipNet.Generator {_packed.Version}", Case.Sensitive, "the generated code records the package's version");
        File.Exists(Path.Combine(consumer, "bin", "Debug", "net10.0", "SkipNet.dll")).ShouldBeTrue();
        File.Exists(Path.Combine(consumer, "bin", "Debug", "net10.0", "SkipNet.Generator.dll")).ShouldBeFalse("the generator is not a reference");
        File.Exists(Path.Combine(consumer, "bin", "Debug", "net10.0", "SkipNet.CodeFixes.dll")).ShouldBeFalse("the code fixes are not a reference");
    }

    [Fact]
    public void AProjectThatTakesOnlySkipNetOnnxGetsTheGeneratorAndExports()
    {
        string consumer = Consumer("onnx-consumer", "SkipNet.Onnx", nugetOrg: true); // OnnxSharp and Google.Protobuf come from nuget.org
        File.WriteAllText(Path.Combine(consumer, "Program.cs"), """
            using System;
            using System.IO;
            using System.Linq;
            using SkipNet;
            using SkipNet.Onnx;

            var net = new Net(seed: 3);
            var stream = new MemoryStream();
            net.ExportOnnx(stream);
            var model = Onnx.ModelProto.Parser.ParseFrom(stream.ToArray());
            Console.WriteLine($"producer={model.ProducerName} opset={model.OpsetImport[0].Version} inputs={model.Graph.Input[0].Name} outputs={string.Join(",", model.Graph.Output.Select(o => o.Name))} initializers={string.Join(",", model.Graph.Initializer.Select(i => i.Name))}");

            [Residual(Inputs = 3, Loss = Loss.CrossEntropy)]
            [Dense("h0", 5, Activation.GELU)]
            [Dense("y", 2)]
            [Skip("x", "y", SkipKind.Weighted)]
            partial class Net;
            """);

        string output = Dotnet.Run(consumer, "run");
        output.ShouldContain($"producer=SkipNet opset={SkipNet.Onnx.OnnxExport.Opset} inputs=x outputs=y,probabilities initializers=h0.weight,h0.bias,y.weight,y.bias,x_to_y.weight");
    }

    /// <summary>
    /// The README's C# blocks, as printed, in a fresh project: the declarations in a file of their
    /// own, each block of statements in a scope of its own, after a prelude that defines what the
    /// README leaves to the reader (the data; the network, optimizer and set the later blocks
    /// continue from). The ONNX block is the one left out: it needs ONNX Runtime, and the ONNX tests
    /// run the same calls. The classifier's progress must print every epoch before the program ends.
    /// </summary>
    [Fact]
    public void TheReadmesExamplesRunAsPrinted()
    {
        string readme = File.ReadAllText(Path.Combine(Repository.Root, "README.md"));
        var blocks = System.Text.RegularExpressions.Regex.Matches(readme, "```csharp\n(.*?)```", System.Text.RegularExpressions.RegexOptions.Singleline)
            .Select(m => m.Groups[1].Value).ToList();
        string Block(string starting) => blocks.Single(b => b.StartsWith(starting, StringComparison.Ordinal));
        string declare = Block("using SkipNet;\n\n[Residual(Inputs = 1");
        string use = Block("var net = new SeedNet(seed: 42);");
        string optimizers = Block("var adam = new Adam<double>(net");
        string classifier = Block("[Residual(Inputs = 784");
        string save = Block("net.SaveWeights(\"classifier.safetensors\");");
        string pyTorch = Block("File.WriteAllText(\"classifier.py\"");
        string preNorm = Block("[Residual(Inputs = 16, Loss = Loss.CrossEntropy)]");
        int statements = classifier.IndexOf("var net", StringComparison.Ordinal);

        string consumer = Consumer("readme", "SkipNet", nugetOrg: false);
        File.WriteAllText(Path.Combine(consumer, "Networks.cs"), declare + "\n" + classifier[..statements] + "\n" + preNorm);
        File.WriteAllText(Path.Combine(consumer, "Program.cs"), $$"""
            using System;
            using System.IO;
            using System.Linq;
            using SkipNet;

            // Small stand-ins for Fashion-MNIST: 200 training and 100 test images of two classes, brighter or darker.
            var random = new Random(1);
            int[] trainLabels = new int[200], testLabels = new int[100];
            float[] trainX = Images(trainLabels), testX = Images(testLabels);
            float[] image = testX[..784];
            float[] Images(int[] labels)
            {
                var x = new float[labels.Length * 784];
                for (int s = 0; s < labels.Length; s++)
                {
                    labels[s] = random.Next(2);
                    for (int i = 0; i < 784; i++) x[s * 784 + i] = (float)random.NextDouble() * 0.5f + labels[s] * 0.5f;
                }

                return x;
            }

            {
            {{use}}
                Console.WriteLine($"use: loss {loss:R}, now {now:R}");
            }

            {
                var net = new SeedNet(seed: 42);
                double[] x = [1.0], y = [-3.0];
            {{optimizers}}
                Console.WriteLine($"optimizers: loss {loss:R}, rate {adam.LearningRate:R}");
            }

            {
            {{classifier[statements..]}}
                Console.WriteLine($"classifier: epochs={history.Epochs.Count} accuracy={accuracy:F2} class={shirtOrCoat}");
            }

            {
                var net = new Classifier(seed: 1);
                var adam = new Adam<float>(net, learningRate: 1e-3f);
                var training = TrainingSet<float>.WithLabels(trainX, trainLabels);
            {{save}}
                Console.WriteLine($"save: epochs={trainer.Fit(training, epochs: 12).Epochs.Count}");
            }

            {
                var net = new Classifier(seed: 1);
                new Classifier(seed: 2).SaveWeights("trained.safetensors", WeightNames.PyTorch); // as PyTorch would write it
            {{pyTorch}}
                Console.WriteLine($"pytorch: {File.ReadAllText("classifier.py").Contains("class Classifier(nn.Module)")}");
            }

            {
                var net = new PreNorm(seed: 3);
                double[] x = Enumerable.Range(0, 2 * 16).Select(i => Math.Sin(i)).ToArray(), y = [1, 0, 0, 0, 0, 0, 1, 0];
                double first = net.TrainStep(x, y, 0.1);
                Console.WriteLine($"prenorm: {first > 0 && net.Evaluate(x, y) < first}");
            }
            """);

        string output = Dotnet.Run(consumer, "run");
        output.ShouldContain("use: loss ");
        output.ShouldContain("optimizers: loss ");
        output.ShouldContain("save: epochs=12", customMessage: "resumed after its 12 epochs, a second Fit has none left to run");
        output.ShouldContain("pytorch: True");
        output.ShouldContain("prenorm: True", customMessage: "the pre-norm network trains");
        int epochs = int.Parse(System.Text.RegularExpressions.Regex.Match(output, @"classifier: epochs=(\d+)").Groups[1].Value);
        epochs.ShouldBeGreaterThan(0);
        System.Text.RegularExpressions.Regex.Matches(output, @"^(\d+): \d", System.Text.RegularExpressions.RegexOptions.Multiline)
            .Select(m => int.Parse(m.Groups[1].Value)).ShouldBe(Enumerable.Range(1, epochs), "one line per epoch, all printed before the program ends");
    }

    [Fact]
    public void AStrictLibraryBuildsTheGeneratedCodeWithoutAWarning()
    {
        string consumer = Consumer("strict", "SkipNet", nugetOrg: false, library: true,
            "<GenerateDocumentationFile>true</GenerateDocumentationFile><AnalysisMode>All</AnalysisMode><AnalysisLevel>latest</AnalysisLevel><EnforceCodeStyleInBuild>true</EnforceCodeStyleInBuild>");
        File.WriteAllText(Path.Combine(consumer, "Networks.cs"), """
            using SkipNet;

            namespace Strict;

            /// <summary>Unrolled, double, a weighted skip.</summary>
            [Residual(Inputs = 1, Loss = Loss.L1)]
            [Dense("h0", 1, Activation.ReLU)]
            [Dense("y", 1)]
            [Skip("h0", "y", SkipKind.Weighted)]
            public partial class Small { }

            /// <summary>Looped, float, cross-entropy.</summary>
            [Residual(Inputs = 20, Loss = Loss.CrossEntropy, Precision = Precision.Single)]
            [Dense("h0", 32, Activation.GELU)]
            [Dense("Step", 32, Activation.SiLU)]
            [Dense("y", 10)]
            [Skip("h0", "y", SkipKind.Weighted)]
            public partial class Wide { }

            /// <summary>LayerNorm and Dropout, a skip into a LayerNorm.</summary>
            [Residual(Inputs = 8, Loss = Loss.MSE)]
            [Dense("h0", 16, Activation.ReLU)]
            [LayerNorm("n0", Activation.Tanh)]
            [Dropout("d0", 0.1)]
            [Dense("h1", 16)]
            [LayerNorm("n1")]
            [Skip("h0", "n1")]
            [Dense("y", 1)]
            public partial class Normed { }

            /// <summary>A record, layers named like contextual keywords and members.</summary>
            [Residual(Inputs = 2, Loss = Loss.Huber, CodeStyle = CodeStyle.Looped)]
            [Dense("value", 3, Activation.Tanh)]
            [Dense("Forward", 1)]
            [Skip("x", "Forward", SkipKind.Weighted)]
            public partial record Rec { }
            """);

        Dotnet.Run(consumer, "build");
    }

    [Fact]
    public void ANetStandardLibraryOnCSharp9BuildsAgainstThePackagesNetStandardBuild()
    {
        // netstandard.dll's reference package comes from nuget.org (the .NET SDK has no netstandard2.1 pack).
        string consumer = Consumer("engine", "SkipNet", nugetOrg: true, library: true, "<LangVersion>9</LangVersion>", framework: "netstandard2.1");
        File.WriteAllText(Path.Combine(consumer, "Networks.cs"), """
            using SkipNet;

            namespace Engine
            {
                [Residual(Inputs = 1, Loss = Loss.L1)]
                [Dense("h0", 1, Activation.ReLU)]
                [Dense("y", 1)]
                [Skip("h0", "y", SkipKind.Weighted)]
                public partial class Seed { }

                [Residual(InputShape = new[] { 1, 8, 8 }, Loss = Loss.CrossEntropy, Precision = Precision.Single)]
                [Conv2D("c0", 4, 3, Padding = 1)]
                [BatchNorm("bn0", Activation.ReLU)]
                [MaxPool2D("p0", 2)]
                [GlobalAvgPool2D("gap")]
                [Dense("y", 3)]
                public partial class Vision { }

                public static class Use
                {
                    public static float Step(float[] x, float[] y)
                    {
                        var net = new Vision(1);
                        return net.TrainStep(x, y, new Adam<float>(net));
                    }
                }
            }
            """);

        Dotnet.Run(consumer, "build");
        string assets = File.ReadAllText(Path.Combine(consumer, "obj", "project.assets.json"));
        assets.ShouldContain("\"lib/netstandard2.1/SkipNet.dll\"");
        File.Exists(Path.Combine(consumer, "bin", "Debug", "netstandard2.1", "engine.dll")).ShouldBeTrue();
    }

    [Fact]
    public void AnAppReferencingTheProjectsRestoresForNativeAot()
    {
        // As the samples reference SkipNet: `dotnet publish -p:PublishAot=true` passes PublishAot to every
        // framework the runtime builds for, and netstandard2.1 must not refuse it (NETSDK1207).
        string app = Path.Combine(_packed.Root, "aot-app");
        Directory.CreateDirectory(app);
        string src = Path.Combine(_packed.Sources, "src");
        File.WriteAllText(Path.Combine(app, "aot-app.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <RestorePackagesPath>{Path.Combine(_packed.Root, "packages")}</RestorePackagesPath>
              </PropertyGroup>
              <ItemGroup>
                <ProjectReference Include="{Path.Combine(src, "Runtime", "SkipNet.Runtime.csproj")}" />
                <ProjectReference Include="{Path.Combine(src, "Generator", "SkipNet.Generator.csproj")}" OutputItemType="Analyzer" ReferenceOutputAssembly="false" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(app, "Program.cs"), "System.Console.WriteLine(1);\n");
        Dotnet.Run(app, "restore", "-r", "linux-x64", "-p:PublishAot=true");
    }

    [Fact]
    public void APublicMemberAddedWithoutAnEntryInThePublicApiFilesFailsTheBuild()
    {
        string extra = Path.Combine(_packed.Sources, "src", "Runtime", "Unrecorded.cs");
        File.WriteAllText(extra, "namespace SkipNet;\n\n/// <summary>Not in PublicAPI.Unshipped.txt.</summary>\npublic static class Unrecorded\n{\n    /// <summary>Nor this.</summary>\n    public static int Answer() => 42;\n}\n");
        try
        {
            var (code, output) = Dotnet.Try(_packed.Sources, "build", "src/Runtime", "-p:MinVerSkip=true");
            code.ShouldNotBe(0, "an unrecorded public member must fail the build");
            output.ShouldContain("RS0016");
            output.ShouldContain("SkipNet.Unrecorded.Answer()");
        }
        finally
        {
            File.Delete(extra);
        }
    }

    /// <summary>A fresh console project outside the repository that takes <paramref name="package"/> from the test's feed (and, if asked, nuget.org).</summary>
    private string Consumer(string name, string package, bool nugetOrg, bool library = false, string properties = "", string framework = "net10.0")
    {
        string consumer = Path.Combine(_packed.Root, name);
        Directory.CreateDirectory(consumer);
        string more = nugetOrg ? "\n    <add key=\"nuget.org\" value=\"https://api.nuget.org/v3/index.json\" />" : "";
        File.WriteAllText(Path.Combine(consumer, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{_packed.Feed}" />{more}
              </packageSources>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(consumer, name + ".csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>{(library ? "Library" : "Exe")}</OutputType>
                <TargetFramework>{framework}</TargetFramework>
                <Nullable>enable</Nullable>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>{properties}
                <RestorePackagesPath>{Path.Combine(_packed.Root, "packages")}</RestorePackagesPath>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="{package}" Version="{_packed.Version}" />
              </ItemGroup>
            </Project>
            """);
        return consumer;
    }

    /// <summary>Runs the .NET CLI outside this test host's MSBuild environment; fails with its output on a non-zero exit.</summary>
    internal static class Dotnet
    {
        public static string Run(string directory, params string[] arguments)
        {
            var (code, output) = Try(directory, arguments);
            code.ShouldBe(0, $"dotnet {string.Join(' ', arguments)} in {directory}:\n{output}");
            return output;
        }

        /// <summary>Runs the .NET CLI and returns its exit code and its output (stdout, then stderr).</summary>
        public static (int Code, string Output) Try(string directory, params string[] arguments)
        {
            var start = new ProcessStartInfo("dotnet") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || k.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)).ToList())
            {
                start.Environment.Remove(key);
            }

            start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
            start.Environment["DOTNET_NOLOGO"] = "1";
            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            string stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, stdout + "\n" + stderr.Result);
        }
    }
}

internal static class Repository
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "SkipNet.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("SkipNet.sln not found above " + AppContext.BaseDirectory);
    }
}
