using System.Reflection;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using SkipNet.Generator.Tests;
using SkipNet.Onnx;

namespace SkipNet.Onnx.Tests;

/// <summary>
/// Every member of <see cref="Activation"/> and <see cref="Loss"/>, by name, through every consumer:
/// the generator (both code styles, both precisions: it compiles warning-free and its gradients pass
/// the finite-difference check), the runtime kernels the looped code calls, the runtime's descriptor
/// (<see cref="ActivationInfo"/>, <see cref="LossInfo"/>: f, f′, the initializer, the per-element
/// loss), Explain's text and Markdown, the PyTorch module and the ONNX export run in ONNX Runtime.
/// A member added to the enum and missing in any of them fails here under its own name. It lives in
/// this project because this is the one that sees the generator, the runtime and SkipNet.Onnx.
/// </summary>
public class ConformanceTests
{
    public static TheoryData<Activation> Activations => new(Enum.GetValues<Activation>());

    public static TheoryData<Loss> Losses => new(Enum.GetValues<Loss>());

    private static readonly double[] X = [0.37, -0.81, 0.52], Y = [0.2, -0.45];

    [Theory]
    [MemberData(nameof(Activations))]
    public void EveryActivationWorksInEveryConsumer(Activation activation)
    {
        var info = ActivationInfo.Of(activation);
        info.Kind.ShouldBe(activation);
        string alpha = activation == Activation.LeakyReLU ? ", Alpha = 0.2" : "";
        var assembly = Harness.GenerateAndLoad($$"""
            using SkipNet;
            namespace Conformance;
            {{Declaration("Unrolled", "Double", "Unrolled")}}
            {{Declaration("Looped", "Double", "Looped")}}
            {{Declaration("UnrolledSingle", "Single", "Unrolled")}}
            {{Declaration("LoopedSingle", "Single", "Looped")}}
            [Residual(Inputs = 64, Loss = Loss.MSE)] [Dense("h", 64, Activation.{{activation}}{{alpha}})] [Dense("y", 1)] public partial class Wide;
            [Residual(Inputs = 1, Loss = Loss.MSE, CodeStyle = CodeStyle.Looped)] [Dense("h", 1, Activation.{{activation}}{{alpha}})] [Dense("y", 1)] public partial class Sweep;
            """);
        string Declaration(string name, string precision, string style) =>
            $"[Residual(Inputs = 3, Loss = Loss.MSE, Precision = Precision.{precision}, CodeStyle = CodeStyle.{style})] [Dense(\"h\", 4, Activation.{activation}{alpha})] [Dense(\"y\", 2)] [Skip(\"x\", \"y\", SkipKind.Weighted)] public partial class {name};";

        // The generated code, both styles and precisions: exact gradients, and the two styles agree.
        var unrolled = Create<double>(assembly, "Unrolled");
        var looped = Create<double>(assembly, "Looped");
        foreach (var net in new[] { unrolled, looped })
        {
            var report = GradientCheck.Run(net, X, Y);
            report.Passed.ShouldBeTrue($"{activation}, {net.GetType().Name}:\n{report}");
        }

        looped.Evaluate(X, Y).ShouldBe(unrolled.Evaluate(X, Y), 1e-12, $"{activation}: the two styles");
        var xs = X.Select(v => (float)v).ToArray();
        Create<float>(assembly, "LoopedSingle").Evaluate(xs, [0.2f, -0.45f])
            .ShouldBe(Create<float>(assembly, "UnrolledSingle").Evaluate(xs, [0.2f, -0.45f]), 1e-5f, $"{activation}: the two styles in float");

        // The kernels the looped code calls and the descriptor's f and f′, across the range.
        var sweep = Create<double>(assembly, "Sweep");
        sweep.Parameters.Fill(0);
        sweep.Architecture.Block("h.W").Of(sweep.Parameters)[0] = 1;
        sweep.Architecture.Block("y.W").Of(sweep.Parameters)[0] = 1;
        double a = activation == Activation.LeakyReLU ? 0.2 : 0;
        foreach (double z in Enumerable.Range(0, 161).Select(i => -8 + i * 0.1 + 1e-3))
        {
            var h = new double[1];
            sweep.Forward([z], h);
            h[0].ShouldBe(info.Forward(z, a), 1e-13 * Math.Max(1, Math.Abs(h[0])), $"{activation}: f({z})");
            double step = 1e-6, numeric = (info.Forward(z + step, a) - info.Forward(z - step, a)) / (2 * step);
            info.Derivative(z, info.Forward(z, a), a).ShouldBe(numeric, 1e-6, $"{activation}: f′({z}) from {info.Reads}");
        }

        // The initializer the generated code draws with is the descriptor's.
        var wide = Create<double>(assembly, "Wide");
        double largest = wide.Architecture.Block("h.W").Of(wide.Parameters).ToArray().Max(Math.Abs);
        double he = Math.Sqrt(6.0 / 64), glorot = Math.Sqrt(6.0 / 128);
        largest.ShouldBeLessThanOrEqualTo(info.He ? he : glorot, $"{activation}: {(info.He ? "He" : "Glorot")} uniform");
        largest.ShouldBeGreaterThan(info.He ? glorot : glorot * 0.95, $"{activation}: {(info.He ? "He" : "Glorot")} uniform");

        // Explain, the PyTorch module and ONNX.
        ExplainAndExport(unrolled, Create<float>(assembly, "LoopedSingle"), activation.ToString());
        unrolled.Architecture.ToPyTorch().ShouldContain(info.PyTorch("self.h(x)", 0.2));
    }

    [Theory]
    [MemberData(nameof(Losses))]
    public void EveryLossWorksInEveryConsumer(Loss loss)
    {
        var info = LossInfo.Of(loss);
        info.Kind.ShouldBe(loss);
        string delta = loss == Loss.Huber ? ", HuberDelta = 0.3" : "";
        var assembly = Harness.GenerateAndLoad($$"""
            using SkipNet;
            namespace Conformance;
            {{Declaration("Unrolled", "Double", "Unrolled")}}
            {{Declaration("Looped", "Double", "Looped")}}
            {{Declaration("LoopedSingle", "Single", "Looped")}}
            """);
        string Declaration(string name, string precision, string style) =>
            $"[Residual(Inputs = 3, Loss = Loss.{loss}{delta}, Precision = Precision.{precision}, CodeStyle = CodeStyle.{style})] [Dense(\"h\", 4, Activation.Tanh)] [Dense(\"y\", 3)] public partial class {name};";

        double[] x = [0.37, -0.81, 0.52, 0.9, 0.1, -0.3], y = [0.2, 0.7, 0.1, 0.6, 0.3, 0.1];
        var unrolled = Create<double>(assembly, "Unrolled");
        var looped = Create<double>(assembly, "Looped");
        foreach (var net in new[] { unrolled, looped })
        {
            var report = GradientCheck.Run(net, x, y);
            report.Passed.ShouldBeTrue($"{loss}, {net.GetType().Name}:\n{report}");

            // Evaluate against the descriptor's reference and against Losses.Mean of the outputs.
            var outputs = new double[6];
            net.Forward(x, outputs);
            double expected = info.Element is { } element
                ? outputs.Select((o, i) => element(o, y[i], 0.3)).Sum() / 6
                : Enumerable.Range(0, 2).Sum(s => CrossEntropyRow(outputs.AsSpan(s * 3, 3), y.AsSpan(s * 3, 3))) / 2;
            net.Evaluate(x, y).ShouldBe(expected, 1e-12, $"{loss}, {net.GetType().Name}");
            SkipNet.CompilerServices.Losses.Mean<double>(net.Architecture, outputs, y).ShouldBe(expected, 1e-12);
            if (info.ElementGradient is { } gradient)
            {
                double numeric = (info.Element!(outputs[0] + 1e-6, y[0], 0.3) - info.Element(outputs[0] - 1e-6, y[0], 0.3)) / 2e-6;
                gradient(outputs[0], y[0], 0.3).ShouldBe(numeric, 1e-6, $"{loss}: dℓ/dŷ");
            }
        }

        info.PerSample.ShouldBe(loss == Loss.CrossEntropy);
        var probabilities = new double[3];
        if (info.Outputs == LossOutputs.Values)
        {
            Should.Throw<InvalidOperationException>(() => unrolled.PredictProbabilities(x.AsSpan(0, 3), probabilities));
        }
        else
        {
            unrolled.PredictProbabilities(x.AsSpan(0, 3), probabilities);
            probabilities.ShouldAllBe(p => p > 0 && p < 1);
        }

        ExplainAndExport(unrolled, Create<float>(assembly, "LoopedSingle"), loss.ToString());
        unrolled.Architecture.ToPyTorch().ShouldContain("loss_fn = " + info.PyTorch(0.3));
        Explain(unrolled, x.AsSpan(0, 3).ToArray(), y.AsSpan(0, 3).ToArray()).ShouldContain(info.Name(loss == Loss.Huber ? "0.3" : ""));
    }

    /// <summary>PyTorch's definitions, written out independently of the runtime: the descriptors (and so the tests' reference) must give them.</summary>
    private static double Textbook(Activation activation, double z, double alpha) => activation switch
    {
        Activation.Identity => z,
        Activation.ReLU => Math.Max(z, 0),
        Activation.LeakyReLU => z >= 0 ? z : alpha * z,
        Activation.Tanh => Math.Tanh(z),
        Activation.Sigmoid => 1 / (1 + Math.Exp(-z)),
        Activation.GELU => 0.5 * z * (1 + SpecialFunctions.Erf(z / Math.Sqrt(2))),
        Activation.SiLU => z / (1 + Math.Exp(-z)),
        Activation.Softplus => z > 20 ? z : Math.Log(1 + Math.Exp(z)),
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "Write PyTorch's definition here."),
    };

    private static double Textbook(Loss loss, double o, double y, double delta) => loss switch
    {
        Loss.L1 => Math.Abs(o - y),
        Loss.MSE => (o - y) * (o - y),
        Loss.Huber => Math.Abs(o - y) < delta ? 0.5 * (o - y) * (o - y) : delta * (Math.Abs(o - y) - 0.5 * delta),
        Loss.BinaryCrossEntropy => -(y * Math.Log(1 / (1 + Math.Exp(-o))) + (1 - y) * Math.Log(1 - 1 / (1 + Math.Exp(-o)))),
        _ => throw new ArgumentOutOfRangeException(nameof(loss), loss, "Write PyTorch's definition here."),
    };

    [Theory]
    [MemberData(nameof(Activations))]
    public void EveryActivationDescriptorIsPyTorchsDefinition(Activation activation)
    {
        var info = ActivationInfo.Of(activation);
        foreach (double z in Enumerable.Range(0, 301).Select(i => -15 + i * 0.1))
        {
            info.Forward(z, 0.2).ShouldBe(Textbook(activation, z, 0.2), 1e-14 * Math.Max(1, Math.Abs(z)), $"{activation}({z})");
        }
    }

    [Theory]
    [MemberData(nameof(Losses))]
    public void EveryLossDescriptorIsPyTorchsDefinition(Loss loss)
    {
        var info = LossInfo.Of(loss);
        if (info.Element is null)
        {
            loss.ShouldBe(Loss.CrossEntropy, "only cross-entropy couples a row's outputs");
            double[] z = [0.3, -1.2, 2.0], y = [0.2, 0.5, 0.3];
            CrossEntropyRow(z, y).ShouldBe(-y.Select((t, c) => t * Math.Log(Math.Exp(z[c]) / z.Sum(Math.Exp))).Sum(), 1e-14);
            return;
        }

        foreach (double o in Enumerable.Range(0, 81).Select(i => -4 + i * 0.1))
        {
            foreach (double y in new[] { 0.0, 0.3, 1.0 })
            {
                info.Element(o, y, 0.7).ShouldBe(Textbook(loss, o, y, 0.7), 1e-12, $"{loss}({o}, {y})");
            }
        }
    }

    private static double CrossEntropyRow(ReadOnlySpan<double> z, ReadOnlySpan<double> y)
    {
        double max = z.ToArray().Max(), lse = max + Math.Log(z.ToArray().Sum(v => Math.Exp(v - max)));
        double sum = 0;
        for (int c = 0; c < z.Length; c++)
        {
            sum -= y[c] * (z[c] - lse);
        }

        return sum;
    }

    private static string Explain(IResidualNetwork<double> net, double[] x, double[] y)
    {
        var derivation = Derivation.Of(net, x, y, 0.1);
        derivation.ToMarkdown().ShouldNotBeNullOrWhiteSpace();
        return derivation.ToText();
    }

    /// <summary>Explain in text and Markdown, then ONNX at the lowest and the default opset, in double and float, against Forward.</summary>
    private static void ExplainAndExport(IResidualNetwork<double> net, IResidualNetwork<float> single, string member)
    {
        Explain(net, X, net.OutputSize == 2 ? Y : [0.2, 0.7, 0.1]).ShouldContain("dL/d", customMessage: member);
        foreach (int opset in new[] { OnnxExport.MinimumOpset, OnnxExport.Opset })
        {
            RunOnnx(net, opset, 1e-12, member);
            RunOnnx(single, opset, 1e-5, member);
        }
    }

    private static void RunOnnx<T>(IResidualNetwork<T> net, int opset, double tolerance, string member)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var x = X.Select(T.CreateTruncating).ToArray();
        var expected = new T[net.OutputSize];
        net.Forward(x, expected);
        using var session = new InferenceSession(net.ToOnnxBytes(opset));
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("x", new DenseTensor<T>(x, [1, net.InputSize]))]);
        var y = results.First(r => r.Name == "y").AsTensor<T>().ToArray();
        for (int i = 0; i < y.Length; i++)
        {
            double.CreateTruncating(y[i]).ShouldBe(double.CreateTruncating(expected[i]), tolerance * Math.Max(1, Math.Abs(double.CreateTruncating(expected[i]))), $"{member}, opset {opset}, {typeof(T).Name}");
        }
    }

    private static IResidualNetwork<T> Create<T>(Assembly assembly, string name)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        => (IResidualNetwork<T>)Activator.CreateInstance(assembly.GetType("Conformance." + name, throwOnError: true)!, 7)!;
}
