using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace SkipNet.Generator.Tests;

/// <summary>
/// The path for engines whose compiler cannot run the generator (Unity, older toolchains): the
/// emitted files, compiled alone as C# 9 against netstandard2.1's reference assemblies and the
/// netstandard2.1 build of SkipNet.dll, with no generator present, warning-free; then run, and
/// compared with the same code on the .NET 8 build.
/// </summary>
public class NetStandardTests
{
    private const string Networks = """
        using System;
        using SkipNet;

        namespace Demo.Nets
        {
            [Residual(Inputs = 1, Loss = Loss.L1)]
            [Dense("h0", 1, Activation.ReLU)]
            [Dense("h1", 1, Activation.ReLU)]
            [Dense("y", 1)]
            [Skip("h0", "y", SkipKind.Weighted)]
            public partial class SeedNet { }

            [Residual(Inputs = 16, Loss = Loss.MSE, Precision = Precision.Single)]
            [Dense("h0", 128, Activation.ReLU)]
            [Dense("h1", 128, Activation.Tanh)]
            [Dense("h2", 128, Activation.LeakyReLU, Alpha = 0.05)]
            [Dense("y", 2)]
            [Skip("h0", "h2")]
            [Skip("x", "y", SkipKind.Weighted)]
            public partial class WideNet { }

            [Residual(Inputs = 12, Loss = Loss.CrossEntropy)]
            [Dense("h0", 40, Activation.GELU)]
            [LayerNorm("n0", Activation.SiLU)]
            [Dropout("d0", 0.25)]
            [Dense("h1", 40, Activation.Softplus)]
            [Dense("h2", 40, Activation.Sigmoid)]
            [Dense("y", 3)]
            [Skip("h0", "h1")]
            [Skip("n0", "y", SkipKind.Weighted)]
            public partial class Classifier { }

            [Residual(Inputs = 3, Loss = Loss.Huber, HuberDelta = 0.5, Precision = Precision.Single)]
            [Dense("h0", 5, Activation.GELU)]
            [Dense("h1", 5, Activation.SiLU)]
            [Dense("y", 2)]
            [Skip("h0", "y", SkipKind.Weighted)]
            public partial class Small { }

            [Residual(Inputs = 4, Loss = Loss.BinaryCrossEntropy)]
            [Dense("h0", 6, Function = nameof(Mish))]
            [BatchNorm("b0", Activation.Tanh)]
            [Dense("y", 1)]
            public partial class Binary
            {
                [Differentiable] static double Mish(double x) => x * Math.Tanh(Math.Log(1 + Math.Exp(x)));
            }

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

            [Residual(InputShape = new[] { 2, 9, 9 }, Loss = Loss.MSE)]
            [Conv2D("c0", 4, 3, Activation.Tanh, Stride = 2, Padding = 1)]
            [AvgPool2D("a0", 2, Stride = 1)]
            [Conv2D("c1", 4, 3, Padding = 1)]
            [BatchNorm("bn1", Activation.ReLU)]
            [Skip("a0", "bn1")]
            [Conv2D("c2", 3, 2, Activation.SiLU)]
            [GlobalAvgPool2D("gap")]
            [Dense("y", 2)]
            [Skip("gap", "y", SkipKind.Weighted)]
            public partial class SmallResNet { }

            public static class Driver
            {
                // The seed exercise's step, as samples/SeedExercise takes it, then its derivation.
                public static double[] Seed(out string explained)
                {
                    var net = new SeedNet();
                    net.Parameters.Clear();
                    net.H0Weights[0] = 0.5;
                    net.H1Weights[0] = 0.5;
                    net.YWeights[0] = 0.5;
                    net.H0ToYSkip[0] = 0.5;
                    double[] x = { 1 }, y = { -3 };
                    explained = net.Explain(x, y, 1).ToText();
                    double before = net.TrainStep(x, y, 1);
                    double after = net.Evaluate(x, y);
                    var result = new double[2 + SeedNet.ParameterCount];
                    result[0] = before;
                    result[1] = after;
                    net.Parameters.ToArray().CopyTo(result, 2);
                    return result;
                }

                // Double networks: losses, then parameters, gradients and input gradients after a few steps.
                public static double[] Doubles()
                {
                    var values = new System.Collections.Generic.List<double>();
                    var random = new Random(7);
                    var classifier = new Classifier(3);
                    var adam = new AdamW<double>(classifier, 0.01);
                    var x = Fill(new double[8 * 12], random);
                    var y = new double[8 * 3];
                    for (int s = 0; s < 8; s++) y[s * 3 + s % 3] = 1;
                    for (int step = 0; step < 4; step++) values.Add(classifier.TrainStep(x, y, adam));
                    values.Add(classifier.Evaluate(x, y));
                    var dx = new double[x.Length];
                    values.Add(classifier.InputGradient(x, y, dx));
                    values.AddRange(dx);
                    values.AddRange(classifier.Parameters.ToArray());

                    var binary = new Binary(5);
                    var sgd = new Sgd<double>(binary, 0.1, momentum: 0.9, weightDecay: 1e-3);
                    var bx = Fill(new double[6 * 4], random);
                    var by = new double[6];
                    for (int s = 0; s < 6; s++) by[s] = s % 2;
                    for (int step = 0; step < 3; step++) values.Add(binary.TrainStep(bx, by, sgd));
                    values.Add(binary.Evaluate(bx, by));
                    values.AddRange(binary.Parameters.ToArray());
                    values.AddRange(binary.Gradients.ToArray());
                    return values.ToArray();
                }

                // Convolutional networks: losses, the input gradient, evaluation outputs and parameters after a few steps.
                public static double[] Images()
                {
                    var values = new System.Collections.Generic.List<double>();
                    var random = new Random(13);
                    var resnet = new SmallResNet(4);
                    var adam = new Adam<double>(resnet, 0.01);
                    var x = Fill(new double[6 * 2 * 9 * 9], random);
                    var y = Fill(new double[6 * 2], random);
                    for (int step = 0; step < 3; step++) values.Add(resnet.TrainStep(x, y, adam));
                    values.Add(resnet.Evaluate(x, y));
                    var dx = new double[x.Length];
                    values.Add(resnet.InputGradient(x, y, dx));
                    values.AddRange(dx);
                    var output = new double[6 * 2];
                    resnet.Forward(x, output);
                    values.AddRange(output);
                    values.AddRange(resnet.Parameters.ToArray());

                    var conv = new ConvNet(6);
                    var cx = Fill(new float[4 * 144], random);
                    var cy = new float[4 * 10];
                    for (int s = 0; s < 4; s++) cy[s * 10 + 3 * s] = 1;
                    var sgd = new Sgd<float>(conv, 0.05f, momentum: 0.9f);
                    for (int step = 0; step < 3; step++) values.Add(conv.TrainStep(cx, cy, sgd));
                    var logits = new float[4 * 10];
                    conv.Forward(cx, logits);
                    foreach (var v in logits) values.Add(v);
                    return values.ToArray();
                }

                // Max pooling's rule where it decides: ties go to the first maximum in row-major order, a NaN is a maximum.
                public static double[] Pooling()
                {
                    float[] x = { 1, 3, 3, 0, 2, 2, 2, 2, float.NaN, 5, 4, 4, 1, float.NaN, 4, 0 };
                    var pooled = new float[4];
                    SkipNet.CompilerServices.ImageKernels.MaxPool2DForward<float>(x, pooled, 1, 1, 4, 4, 2, 2);
                    var dx = new float[16];
                    SkipNet.CompilerServices.ImageKernels.MaxPool2DBackward<float>(x, new float[] { 1, 2, 3, 4 }, dx, 1, 1, 4, 4, 2, 2);
                    var values = new System.Collections.Generic.List<double>();
                    foreach (var v in pooled) values.Add(float.IsNaN(v) ? -1 : v);
                    foreach (var v in dx) values.Add(v);
                    return values.ToArray();
                }

                // Float networks, looped and unrolled.
                public static double[] Singles()
                {
                    var values = new System.Collections.Generic.List<double>();
                    var random = new Random(11);
                    var wide = new WideNet(1);
                    var x = Fill(new float[32 * 16], random);
                    var y = Fill(new float[32 * 2], random);
                    for (int step = 0; step < 3; step++) values.Add(wide.TrainStep(x, y, 0.01f));
                    var adam = new Adam<float>(wide);
                    values.Add(wide.TrainStep(x, y, adam));
                    var output = new float[32 * 2];
                    wide.Forward(x, output);
                    foreach (var v in output) values.Add(v);

                    var small = new Small(2);
                    var sx = Fill(new float[5 * 3], random);
                    var sy = Fill(new float[5 * 2], random);
                    for (int step = 0; step < 3; step++) values.Add(small.TrainStep(sx, sy, 0.1f));
                    foreach (var p in small.Parameters.ToArray()) values.Add(p);
                    return values.ToArray();
                }

                private static double[] Fill(double[] values, Random random)
                {
                    for (int i = 0; i < values.Length; i++) values[i] = 2 * random.NextDouble() - 1;
                    return values;
                }

                private static float[] Fill(float[] values, Random random)
                {
                    for (int i = 0; i < values.Length; i++) values[i] = (float)(2 * random.NextDouble() - 1);
                    return values;
                }
            }
        }
        """;

    private static string Metadata(string key) =>
        typeof(NetStandardTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;

    /// <summary>Loads the compiled networks with SkipNet resolved to the netstandard2.1 build.</summary>
    private sealed class NetStandardContext(string skipNet) : AssemblyLoadContext(isCollectible: false)
    {
        protected override Assembly? Load(AssemblyName name) => name.Name == "SkipNet" ? LoadFromAssemblyPath(skipNet) : null;
    }

    [Fact]
    public void TheGeneratedFilesCompileAsCSharp9AgainstNetStandardAndComputeAsOnNet8()
    {
        var (run, output) = Harness.Generate(Networks);
        run.Diagnostics.ShouldBeEmpty();
        var generated = Harness.Sources(run);
        generated.Count.ShouldBe(7);

        // Only netstandard.dll and the netstandard2.1 SkipNet.dll: no generator, nothing of .NET 8.
        string skipNet = Metadata("NetStandardSkipNet"), netstandard = Metadata("NetStandardReference");
        File.Exists(skipNet).ShouldBeTrue(skipNet);
        File.Exists(netstandard).ShouldBeTrue(netstandard);
        var parse = new CSharpParseOptions(LanguageVersion.CSharp9);
        var compilation = CSharpCompilation.Create(
            "Networks",
            new[] { CSharpSyntaxTree.ParseText(Networks, parse, path: "Networks.cs") }
                .Concat(generated.Select(g => CSharpSyntaxTree.ParseText(g.Value, parse, path: g.Key))),
            [MetadataReference.CreateFromFile(netstandard), MetadataReference.CreateFromFile(skipNet)],
            new CSharpCompilationOptions(
                OutputKind.DynamicallyLinkedLibrary,
                nullableContextOptions: NullableContextOptions.Enable,
                warningLevel: 9999,
                generalDiagnosticOption: ReportDiagnostic.Error,
                optimizationLevel: OptimizationLevel.Release));
        using var stream = new MemoryStream();
        var emit = compilation.Emit(stream);
        emit.Diagnostics.Select(d => d.ToString()).ShouldBeEmpty();
        stream.Position = 0;
        var context = new NetStandardContext(skipNet);
        var portable = context.LoadFromStream(stream);
        portable.GetReferencedAssemblies().Select(a => a.Name).ShouldBe(["netstandard", "SkipNet"], ignoreOrder: true);

        using var net8Stream = new MemoryStream();
        output.Emit(net8Stream).Diagnostics.Select(d => d.ToString()).ShouldBeEmpty();
        net8Stream.Position = 0;
        var net8 = Harness.Load(net8Stream);

        object?[] Call(Assembly assembly, string method, params object?[] arguments)
        {
            var driver = assembly.GetType("Demo.Nets.Driver")!;
            var result = (double[])driver.GetMethod(method)!.Invoke(null, arguments)!;
            return [result, .. arguments];
        }

        // The seed exercise, exactly: 3.375 before, 2 after, the same parameters and the same derivation.
        var portableSeed = Call(portable, "Seed", [null]);
        var net8Seed = Call(net8, "Seed", [null]);
        var seed = (double[])portableSeed[0]!;
        seed[0].ShouldBe(3.375);
        seed[1].ShouldBe(2.0);
        seed.ShouldBe((double[])net8Seed[0]!);
        ((string)portableSeed[1]!).ShouldBe((string)net8Seed[1]!);
        ((string)portableSeed[1]!).ShouldContain("3.375");
        context.LoadFromAssemblyName(new AssemblyName("SkipNet")).Location.ShouldBe(skipNet);

        // The portable kernels compute in double and round once per element: double networks agree
        // to rounding, float networks to float's precision over a few steps.
        ShouldAgree((double[])Call(portable, "Doubles")[0]!, (double[])Call(net8, "Doubles")[0]!, 1e-9);
        ShouldAgree((double[])Call(portable, "Singles")[0]!, (double[])Call(net8, "Singles")[0]!, 1e-4);
        ShouldAgree((double[])Call(portable, "Images")[0]!, (double[])Call(net8, "Images")[0]!, 1e-4);
        ((double[])Call(portable, "Pooling")[0]!).ShouldBe((double[])Call(net8, "Pooling")[0]!);
    }

    private static void ShouldAgree(double[] actual, double[] expected, double tolerance)
    {
        actual.Length.ShouldBe(expected.Length);
        actual.ShouldAllBe(v => double.IsFinite(v));
        for (int i = 0; i < actual.Length; i++)
        {
            Math.Abs(actual[i] - expected[i]).ShouldBeLessThanOrEqualTo(tolerance * Math.Max(1, Math.Abs(expected[i])), $"value {i}: {actual[i]} against {expected[i]}");
        }
    }
}
