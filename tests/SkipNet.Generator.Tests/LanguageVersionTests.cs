using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace SkipNet.Generator.Tests;

/// <summary>
/// The generated code is C# 9: a project on LangVersion 9 (Unity's compilers, older toolchains) can
/// take the emitted files and compile them alone, with no generator present, warning-free.
/// </summary>
public class LanguageVersionTests
{
    private const string Networks = """
        using System;
        using SkipNet;

        namespace Demo.Nets
        {
            [Residual(InputShape = new[] { 1, 6, 6 }, Loss = Loss.CrossEntropy, Precision = Precision.Single)]
            [Conv2D("c0", 3, 3, Padding = 1)]
            [BatchNorm("bn0", Activation.ReLU)]
            [Conv2D("c1", 3, 3, Activation.ReLU, Padding = 1)]
            [Skip("bn0", "c1")]
            [MaxPool2D("p1", 2)]
            [LayerNorm("n1", Activation.GELU)]
            [Dropout("d1", 0.1)]
            [GlobalAvgPool2D("gap")]
            [Dense("y", 3)]
            public partial class Tiny { }

            [Residual(Inputs = 1, Loss = Loss.L1)]
            [Dense("h0", 1, Activation.ReLU)]
            [Dense("h1", 1, Activation.ReLU)]
            [Dense("y", 1)]
            [Skip("h0", "y", SkipKind.Weighted)]
            public partial record Seed;

            public static partial class Outer
            {
                [Residual(Inputs = 3, LossFunction = nameof(Pinball))]
                [Dense("h0", 4, Function = nameof(Mish))]
                [Dense("y", 1)]
                public partial class Quantile
                {
                    [Differentiable] static double Mish(double x) => x * Math.Tanh(Math.Log(1 + Math.Exp(x)));
                    [Differentiable] static double Pinball(double yhat, double y)
                    {
                        const double tau = 0.3;
                        double r = y - yhat;
                        return r >= 0 ? tau * r : (tau - 1) * r;
                    }
                }
            }
        }
        """;

    [Fact]
    public void TheGeneratedFilesCompileAloneAsCSharp9AndComputeAsTheyDo()
    {
        var (run, output) = Harness.Generate(Networks);
        run.Diagnostics.ShouldBeEmpty();
        var generated = Harness.Sources(run);
        generated.Count.ShouldBe(3);

        // The user's file and the emitted ones, parsed as C# 9, compiled without the generator.
        var options = new CSharpParseOptions(LanguageVersion.CSharp9);
        var trees = new[] { CSharpSyntaxTree.ParseText(Networks, options, path: "Networks.cs") }
            .Concat(generated.Select(g => CSharpSyntaxTree.ParseText(g.Value, options, path: g.Key)));
        var compilation = Harness.Compilation().RemoveAllSyntaxTrees().AddSyntaxTrees(trees);
        using var stream = new MemoryStream();
        var emit = compilation.Emit(stream);
        emit.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).Select(d => d.ToString()).ShouldBeEmpty();
        emit.Success.ShouldBeTrue();
        stream.Position = 0;
        var csharp9 = Harness.Load(stream);

        using var latestStream = new MemoryStream();
        output.Emit(latestStream).Success.ShouldBeTrue();
        latestStream.Position = 0;
        var latest = Harness.Load(latestStream);

        // The same training steps, the same numbers.
        float[] TinySteps(System.Reflection.Assembly assembly)
        {
            var net = (IResidualNetwork<float>)Activator.CreateInstance(assembly.GetType("Demo.Nets.Tiny")!, 3)!;
            var random = new Random(3);
            var x = Enumerable.Range(0, 4 * net.InputSize).Select(_ => (float)random.NextDouble()).ToArray();
            var y = Enumerable.Range(0, 4 * net.OutputSize).Select(i => i % 3 == 0 ? 1f : 0f).ToArray();
            var losses = Enumerable.Range(0, 3).Select(_ => net.TrainStep(x, y, 0.1f)).ToList();
            var dx = new float[x.Length];
            losses.Add(net.InputGradient(x, y, dx));
            return [.. losses, .. dx];
        }

        double[] SeedStep(System.Reflection.Assembly assembly)
        {
            var net = (IResidualNetwork<double>)Activator.CreateInstance(assembly.GetType("Demo.Nets.Seed")!, 5)!;
            var quantile = (IResidualNetwork<double>)Activator.CreateInstance(assembly.GetType("Demo.Nets.Outer+Quantile")!, 5)!;
            return [net.TrainStep([1.0], [-3.0], 1.0), net.Evaluate([1.0], [-3.0]), quantile.TrainStep([0.5, -1, 2], [0.25], 0.1), quantile.Evaluate([0.5, -1, 2], [0.25])];
        }

        TinySteps(csharp9).ShouldBe(TinySteps(latest));
        SeedStep(csharp9).ShouldBe(SeedStep(latest));
    }
}
