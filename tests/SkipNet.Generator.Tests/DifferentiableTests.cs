namespace SkipNet.Generator.Tests;

/// <summary>
/// [Differentiable] activations and losses end to end: the quantile network (Mish layers with a
/// skip, a pinball loss) in both code styles and both precisions, its gradients against central finite
/// differences of its own Evaluate, the two styles against each other, and Architecture's description of
/// each function against the compiled methods.
/// </summary>
public class DifferentiableTests
{
    private const string Quantile = """
        using System;
        using SkipNet;

        [Residual(Inputs = 3, LossFunction = nameof(Pinball), CodeStyle = CodeStyle.STYLE)]
        [Dense("h0", 5, Function = nameof(Mish))]
        [Dense("h1", 5, Function = nameof(Mish))]
        [Dense("y", 2)]
        [Skip("h0", "h1")]
        [Skip("x", "y", SkipKind.Weighted)]
        public partial class QuantileSTYLE
        {
            [Differentiable] static double Softplus(double x) => Math.Log(1 + Math.Exp(x));
            [Differentiable] static double Mish(double x) => x * Math.Tanh(Softplus(x));
            [Differentiable] static double Pinball(double yhat, double y)
            {
                const double tau = 0.3;
                double r = y - yhat;
                return r >= 0 ? tau * r : (tau - 1) * r;
            }
        }
        """;

    private static readonly Lazy<System.Reflection.Assembly> Networks = new(() => Harness.GenerateAndLoad(
        Quantile.Replace("STYLE", "Looped"), Quantile.Replace("STYLE", "Unrolled"),
        Quantile.Replace("STYLE", "Single").Replace("CodeStyle.Single", "CodeStyle.Looped, Precision = Precision.Single").Replace("double", "float").Replace("Math.", "MathF.").Replace("0.3;", "0.3f;")));

    private static T Create<T>(string style, int seed) => (T)Activator.CreateInstance(Networks.Value.GetType("Quantile" + style)!, seed)!;

    [Theory]
    [InlineData("Looped")]
    [InlineData("Unrolled")]
    public void GradientsMatchFiniteDifferences(string style)
    {
        var random = new Random(7);
        for (int trial = 0; trial < 5; trial++)
        {
            var net = Create<IResidualNetwork<double>>(style, trial);
            var x = Enumerable.Range(0, 4 * 3).Select(_ => random.NextDouble() * 4 - 2).ToArray();
            var y = Enumerable.Range(0, 4 * 2).Select(_ => random.NextDouble() * 4 - 2).ToArray();
            var output = new double[y.Length];
            net.Forward(x, output);
            output.Zip(y).ShouldAllBe(p => Math.Abs(p.First - p.Second) > 1e-3, "away from the pinball's kink");

            net.ZeroGradients();
            double loss = net.Backward(x, y);
            loss.ShouldBe(net.Evaluate(x, y), 1e-12);
            var analytic = net.Gradients.ToArray();
            var p = net.Parameters;
            for (int i = 0; i < p.Length; i++)
            {
                double keep = p[i];
                p[i] = keep + 1e-6;
                double plus = net.Evaluate(x, y);
                p[i] = keep - 1e-6;
                double minus = net.Evaluate(x, y);
                p[i] = keep;
                double numeric = (plus - minus) / 2e-6;
                analytic[i].ShouldBe(numeric, 1e-6 + 1e-4 * Math.Abs(numeric), $"{style} parameter {i}");
            }

            InputGradients.Check(net, x, y, $"{style} trial {trial}");
        }
    }

    [Fact]
    public void TheTwoCodeStylesAgreeAndFloatTracksDouble()
    {
        var looped = Create<IResidualNetwork<double>>("Looped", 3);
        var unrolled = Create<IResidualNetwork<double>>("Unrolled", 3);
        var single = Create<IResidualNetwork<float>>("Single", 3);
        looped.Parameters.ToArray().ShouldBe(unrolled.Parameters.ToArray());
        var random = new Random(3);
        var x = Enumerable.Range(0, 6 * 3).Select(_ => random.NextDouble() * 4 - 2).ToArray();
        var y = Enumerable.Range(0, 6 * 2).Select(_ => random.NextDouble() * 4 - 2).ToArray();
        double a = looped.Backward(x, y), b = unrolled.Backward(x, y);
        a.ShouldBe(b, 1e-12 * (1 + a));
        for (int i = 0; i < looped.Gradients.Length; i++)
        {
            looped.Gradients[i].ShouldBe(unrolled.Gradients[i], 1e-12 * (1 + Math.Abs(unrolled.Gradients[i])));
        }

        float f = single.Evaluate(x.Select(v => (float)v).ToArray(), y.Select(v => (float)v).ToArray());
        ((double)f).ShouldBe(looped.Evaluate(x, y), 1e-5 * (1 + a));
    }

    [Fact]
    public void ArchitectureDescribesEachFunctionAsTheMethodsCompute()
    {
        var architecture = Create<IResidualNetwork<double>>("Looped", 0).Architecture;
        var mish = architecture.Layers[0].Function.ShouldNotBeNull();
        architecture.Layers[1].Function.ShouldNotBeNull().Name.ShouldBe("Mish");
        architecture.Layers[2].Function.ShouldBeNull();
        mish.Parameters.ShouldBe(["x"]);
        mish.ToString().ShouldBe("Mish(x) = x·tanh(ln(1 + exp(x)))");
        var pinball = architecture.LossFunction.ShouldNotBeNull();
        pinball.Parameters.ShouldBe(["yhat", "y"]);
        foreach (double z in new[] { -3, -0.5, 0.25, 2 })
        {
            mish.Evaluate(z).ShouldBe(z * Math.Tanh(Math.Log(1 + Math.Exp(z))), 1e-15);
            double step = 1e-6, numeric = (mish.Evaluate(z + step) - mish.Evaluate(z - step)) / (2 * step);
            mish.EvaluateDerivative(z).ShouldBe(numeric, 1e-8);
            pinball.Evaluate(z, 1).ShouldBe(1 - z >= 0 ? 0.3 * (1 - z) : -0.7 * (1 - z), 1e-15);
            pinball.EvaluateDerivative(z, 1).ShouldBe(1 - z >= 0 ? -0.3 : 0.7, 1e-15);
        }
    }

    [Fact]
    public void ToPyTorchWritesEachFunctionInTorchOperations()
    {
        string module = Create<IResidualNetwork<double>>("Looped", 0).Architecture.ToPyTorch();
        module.ShouldContain("def fn_Mish(x):\n    \"\"\"Mish(x) = x·tanh(ln(1 + exp(x)))\"\"\"\n    return x * torch.tanh(torch.log(1 + torch.exp(x)))\n");
        module.ShouldContain("def fn_Pinball(yhat, y):");
        module.ShouldContain("return torch.where(y - yhat >= torch.as_tensor(0, dtype=torch.float64), 0.3 * (y - yhat), (-0.7) * (y - yhat))");
        module.ShouldContain("h0 = fn_Mish(");
        module.ShouldContain("; loss Pinball.");
        module.ShouldContain("def loss_fn(yhat, y):\n    return fn_Pinball(yhat, y).mean()");
    }

    [Theory]
    [InlineData("Looped")]
    [InlineData("Unrolled")]
    public void ExplainWritesEachFunctionAndAgreesWithTheGeneratedCode(string style)
    {
        var net = Create<IResidualNetwork<double>>(style, 2);
        double[] x = [0.4, -1.1, 0.7], y = [1.5, -2];
        var d = global::SkipNet.Derivation.Of<double>(net, x, y, 0.05);
        double loss = net.TrainStep(x, y, 0.05);
        d.Loss.ShouldBe(loss, 1e-12 * (1 + loss));
        var gradients = d.Gradients();
        var after = d.ParametersAfter();
        for (int i = 0; i < net.ParameterCount; i++)
        {
            gradients[i].ShouldBe(net.Gradients[i], 1e-10 * (1 + Math.Abs(net.Gradients[i])), $"gradient {i}");
            after[i].ShouldBe(net.Parameters[i], 1e-10 * (1 + Math.Abs(net.Parameters[i])), $"parameter {i}");
        }

        d.LossAfter.ShouldBe(net.Evaluate(x, y), 1e-10);
        string text = d.ToString();
        text.ShouldContain("  Mish(x) = x·tanh(ln(1 + exp(x))); ∂Mish/∂x = tanh(ln(1 + exp(x))) + x·");
        text.ShouldContain("  Pinball(yhat, y) = y − yhat ≥ 0 ? 0.3·(y − yhat) : −0.7·(y − yhat); ∂Pinball/∂yhat = y − yhat ≥ 0 ? −0.3 : 0.7");
        text.ShouldContain("L = (Pinball(ŷ[0], y[0]) + Pinball(ŷ[1], y[1]))/2 = ");
        text.ShouldContain("dL/dŷ[0] = Pinball'(ŷ[0], y[0])/2 = ");
        text.ShouldContain("·Mish'(z_h1[0]) = ");
        text.ShouldContain(style == "Unrolled" ? "h0[0] = Mish(z_h0[0]) = Mish(" : "Mish");
        d.ToMarkdown().ShouldContain("\\operatorname{Mish}(x) = x \\cdot \\tanh\\left(\\ln\\left(1 + \\exp\\left(x\\right)\\right)\\right)");
    }

    private const string Image = """
        using System;
        using SkipNet;

        [Residual(InputShape = new[] { 2, 5, 4 })]
        [Conv2D("c0", 3, 3, Padding = 1, Function = nameof(Bent))]
        [LayerNorm("n0", Function = nameof(Bent))]
        [Conv2D("c1", 3, 3, Padding = 1)]
        [BatchNorm("bn1", Function = nameof(Square))]
        [Dense("y", 2)]
        [Skip("c0", "bn1")]
        public partial class FunctionImage
        {
            [Differentiable] static double Bent(double z) => (Math.Sqrt(z * z + 1) - 1) / 2 + z;
            [Differentiable] static double Square(double z) => z * z;
        }
        """;

    [Fact]
    public void ImageLayersTakeFunctionsAndTheirGradientsMatchFiniteDifferences()
    {
        var (run, _) = Harness.Generate(Image);
        run.Diagnostics.ShouldBeEmpty();
        string source = Harness.Sources(run).Single().Value;
        source.ShouldContain("BentForward(z_c0, c0);");
        source.ShouldContain("BentForward(z_n0, n0);");
        // The convolution and BatchNorm still run as one pass in eval mode, up to z; the function follows.
        source.ShouldContain("global::System.Span<double>.Empty, z_bn1, n_rows, 3, 5, 4, 3, 1, 1, rectify: false);");
        source.ShouldContain("SquareForward(z_bn1, bn1);");

        var type = Harness.GenerateAndLoad(Image).GetType("FunctionImage")!;
        var net = (IResidualNetwork<double>)Activator.CreateInstance(type, 4)!;
        var random = new Random(4);
        var x = Enumerable.Range(0, 3 * net.InputSize).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        var y = Enumerable.Range(0, 3 * net.OutputSize).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        net.ZeroGradients();
        net.Backward(x, y);
        var analytic = net.Gradients.ToArray();
        var p = net.Parameters;
        var clone = (IResidualNetwork<double>)type.GetMethod("Clone")!.Invoke(net, null)!;
        for (int i = 0; i < p.Length; i += 3)
        {
            // A training call's own loss (BatchNorm on the batch's statistics), on a copy that starts where the network did.
            var q = clone.Parameters;
            p.CopyTo(q);
            q[i] += 1e-6;
            double plus = clone.Backward(x, y);
            q[i] -= 2e-6;
            double minus = clone.Backward(x, y);
            double numeric = (plus - minus) / 2e-6;
            analytic[i].ShouldBe(numeric, 1e-6 + 1e-4 * Math.Abs(numeric), $"parameter {i}");
        }

        // Through the functions, the convolutions and BatchNorm in eval mode, down to the image.
        InputGradients.Check(net, x, y, "FunctionImage");
    }

    /// <summary>README "Your own functions": its declaration generates the derivatives the README quotes, line for line.</summary>
    [Fact]
    public void TheReadmeQuotesTheGeneratedDerivatives()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(root.FullName, "SkipNet.sln")))
        {
            root = root.Parent!;
        }

        string readme = File.ReadAllText(Path.Combine(root.FullName, "README.md"));
        var blocks = System.Text.RegularExpressions.Regex.Matches(readme, "```csharp\n(.*?)```", System.Text.RegularExpressions.RegexOptions.Singleline)
            .Select(m => m.Groups[1].Value).ToList();
        string declaration = blocks.Single(b => b.StartsWith("[Residual(Inputs = 8, LossFunction = nameof(Pinball))]", StringComparison.Ordinal));
        string quoted = blocks.Single(b => b.StartsWith("// Mish(x) =", StringComparison.Ordinal));

        var (run, _) = Harness.Generate("using System;\nusing SkipNet;\n" + declaration);
        run.Diagnostics.ShouldBeEmpty();
        static string Lines(string text) => string.Join("\n", text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0));
        string generated = Lines(Harness.Sources(run).Single().Value);
        var methods = quoted.Split("\n\n");
        methods.Length.ShouldBe(2, "Mish's derivative and Pinball's");
        foreach (var method in methods)
        {
            generated.ShouldContain(Lines(method));
        }
    }
}
