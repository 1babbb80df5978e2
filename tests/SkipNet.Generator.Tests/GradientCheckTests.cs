using System.Reflection;

namespace SkipNet.Generator.Tests;

/// <summary>
/// 200 random networks, each generated unrolled and looped (and every fourth also in float),
/// compiled together once, and checked against <see cref="Reference"/> and against central
/// finite differences per docs/conventions.md.
/// </summary>
[Trait("Category", "Slow")] // dotnet test --filter "Category!=Slow" leaves it out of a first check
public class GradientCheckTests : IClassFixture<GradientCheckTests.Networks>
{
    public const int Count = 200;
    private const double Step = 1e-6;
    private static readonly CodeStyle[] Styles = [CodeStyle.Unrolled, CodeStyle.Looped];

    private readonly Networks _networks;

    public GradientCheckTests(Networks networks) => _networks = networks;

    public sealed class Networks
    {
        public NetSpec[] Specs { get; } = Enumerable.Range(0, Count).Select(NetSpec.Draw).ToArray();

        public Assembly Assembly { get; }

        public Networks()
        {
            var source = new System.Text.StringBuilder("using SkipNet;\nnamespace Random;\n");
            foreach (var spec in Specs)
            {
                foreach (var style in Styles)
                {
                    source.AppendLine(spec.Declare(style, Precision.Double));
                    if (spec.Id % 4 == 0)
                    {
                        source.AppendLine(spec.Declare(style, Precision.Single));
                    }
                }
            }

            // Some random networks have a ReLU output trained with MSE: SKIP022 warns a user about
            // that, but the gradients must be exact all the same.
            Assembly = Harness.GenerateAndLoad([source.ToString()], acceptedWarnings: ["SKIP022"]);
        }

        public IResidualNetwork<T> Create<T>(NetSpec spec, CodeStyle style, int seed)
            where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            var precision = typeof(T) == typeof(float) ? Precision.Single : Precision.Double;
            var type = Assembly.GetType("Random." + spec.ClassName(style, precision), throwOnError: true)!;
            return (IResidualNetwork<T>)Activator.CreateInstance(type, seed)!;
        }
    }

    public static TheoryData<int> Ids() => new(Enumerable.Range(0, Count));

    [Theory]
    [MemberData(nameof(Ids))]
    public void GradientsMatchFiniteDifferences(int id)
    {
        var spec = _networks.Specs[id];
        var random = new Random(id);
        foreach (var style in Styles)
        {
            var net = _networks.Create<double>(spec, style, seed: id);

            // The layout is the one docs/conventions.md describes.
            net.Blocks.Select(b => (b.Name, b.Offset, b.Rows, b.Cols))
                .ShouldBe(Reference.Layout(spec).Select(b => (b.Name, b.Offset, b.Rows, b.Cols)));

            var (x, y) = DrawAwayFromKinks(spec, net.Parameters.ToArray(), random);

            // Forward agrees with the reference interpreter.
            var output = new double[spec.Batch * net.OutputSize];
            net.Forward(x, output);
            double expectedLoss = 0;
            for (int s = 0; s < spec.Batch; s++)
            {
                var (_, h) = Reference.Forward(spec, net.Parameters, x.AsSpan(s * spec.Inputs, spec.Inputs));
                var yhat = h[spec.Layers[^1].Name];
                for (int i = 0; i < yhat.Length; i++)
                {
                    output[s * yhat.Length + i].ShouldBe(yhat[i], 1e-12 * (1 + Math.Abs(yhat[i])));
                }

                expectedLoss += Reference.Loss(spec, yhat, y.AsSpan(s * yhat.Length, yhat.Length));
            }

            expectedLoss /= Reference.Divisor(spec, spec.Batch);

            // Backward: the mean loss, and gradients that accumulate until zeroed.
            net.ZeroGradients();
            net.Backward(x, y).ShouldBe(expectedLoss, 1e-12 * (1 + expectedLoss));
            var analytic = net.Gradients.ToArray();
            net.Backward(x, y);
            for (int i = 0; i < analytic.Length; i++)
            {
                net.Gradients[i].ShouldBe(2 * analytic[i], 1e-12 * (1 + Math.Abs(analytic[i])));
            }

            // Central differences, every parameter.
            var p = net.Parameters;
            for (int i = 0; i < p.Length; i++)
            {
                double saved = p[i];
                p[i] = saved + Step;
                double plus = net.Evaluate(x, y);
                p[i] = saved - Step;
                double minus = net.Evaluate(x, y);
                p[i] = saved;
                double numeric = (plus - minus) / (2 * Step);
                Math.Abs(analytic[i] - numeric).ShouldBeLessThanOrEqualTo(
                    1e-6 + 1e-4 * Math.Abs(numeric),
                    $"{style} {spec.ClassName(style, Precision.Double)}: parameter {i} ({Block(net, i)}) analytic {analytic[i]:R} numeric {numeric:R}");
            }

            // And with respect to every input value.
            InputGradients.Check(net, x, y, $"{style} {spec.ClassName(style, Precision.Double)}");
        }
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void UnrolledAndLoopedAgree(int id)
    {
        var spec = _networks.Specs[id];
        var unrolled = _networks.Create<double>(spec, CodeStyle.Unrolled, seed: 7);
        var looped = _networks.Create<double>(spec, CodeStyle.Looped, seed: 7);
        looped.Parameters.ToArray().ShouldBe(unrolled.Parameters.ToArray(), "same seed, same weights");

        var random = new Random(id);
        var (x, y) = DrawAwayFromKinks(spec, unrolled.Parameters.ToArray(), random);
        double[] unrolledDx = new double[x.Length], loopedDx = new double[x.Length];
        double lossA = unrolled.InputGradient(x, y, unrolledDx), lossB = looped.InputGradient(x, y, loopedDx);
        lossB.ShouldBe(lossA, 1e-12 * (1 + Math.Abs(lossA)));
        for (int i = 0; i < x.Length; i++)
        {
            loopedDx[i].ShouldBe(unrolledDx[i], 1e-12 * (1 + Math.Abs(unrolledDx[i])), $"dL/dx[{i}]");
        }

        double a = unrolled.TrainStep(x, y, 0.1), b = looped.TrainStep(x, y, 0.1);
        b.ShouldBe(a, 1e-12 * (1 + Math.Abs(a)));
        for (int i = 0; i < unrolled.ParameterCount; i++)
        {
            looped.Gradients[i].ShouldBe(unrolled.Gradients[i], 1e-12 * (1 + Math.Abs(unrolled.Gradients[i])));
            looped.Parameters[i].ShouldBe(unrolled.Parameters[i], 1e-12 * (1 + Math.Abs(unrolled.Parameters[i])));
        }
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void TrainStepIsZeroGradientsBackwardStep(int id)
    {
        // Looped TrainStep writes the gradients and steps inside the backward pass; batch 70 runs
        // three chunks (the first overwrites, the last steps). Both must match the separate calls exactly.
        var spec = _networks.Specs[id];
        var random = new Random(id);
        foreach (var style in Styles)
        {
            foreach (int batch in new[] { spec.Batch, 70 })
            {
                var fused = _networks.Create<double>(spec, style, seed: id);
                var separate = _networks.Create<double>(spec, style, seed: id);
                var x = Enumerable.Range(0, batch * spec.Inputs).Select(_ => random.NextDouble() * 2 - 1).ToArray();
                var y = Enumerable.Range(0, batch * fused.OutputSize).Select(_ => random.NextDouble() * 2 - 1).ToArray();
                fused.Backward(x, y); // stale gradients TrainStep must write over
                for (int step = 0; step < 2; step++)
                {
                    double loss = fused.TrainStep(x, y, 0.1);
                    separate.ZeroGradients();
                    separate.Backward(x, y).ShouldBe(loss);
                    separate.Step(0.1);
                    fused.Gradients.ToArray().ShouldBe(separate.Gradients.ToArray(), $"{style}, batch {batch}, step {step}");
                    fused.Parameters.ToArray().ShouldBe(separate.Parameters.ToArray(), $"{style}, batch {batch}, step {step}");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void ExplainAgreesWithTheGeneratedCode(int id)
    {
        var spec = _networks.Specs[id];
        var net = _networks.Create<double>(spec, CodeStyle.Unrolled, seed: id);
        var (xs, ys) = DrawAwayFromKinks(spec, net.Parameters.ToArray(), new Random(id));
        double[] x = xs[..spec.Inputs], y = ys[..net.OutputSize];

        var d = Derivation.Of(net, x, y, 0.05);
        double loss = net.TrainStep(x, y, 0.05);
        d.Loss.ShouldBe(loss, 1e-12 * (1 + loss));
        var gradients = d.Gradients();
        var after = d.ParametersAfter();
        for (int i = 0; i < net.ParameterCount; i++)
        {
            gradients[i].ShouldBe(net.Gradients[i], 1e-12 * (1 + Math.Abs(net.Gradients[i])), $"gradient {i} ({Block(net, i)})");
            after[i].ShouldBe(net.Parameters[i], 1e-12 * (1 + Math.Abs(net.Parameters[i])), $"parameter {i} ({Block(net, i)})");
        }

        double lossAfter = net.Evaluate(x, y);
        d.LossAfter.ShouldBe(lossAfter, 1e-12 * (1 + lossAfter));
    }

    public static TheoryData<int> SingleIds() => new(Enumerable.Range(0, Count).Where(i => i % 4 == 0));

    [Theory]
    [MemberData(nameof(SingleIds))]
    public void FloatNetworksTrackTheirDoubleTwins(int id)
    {
        var spec = _networks.Specs[id];
        foreach (var style in Styles)
        {
            var single = _networks.Create<float>(spec, style, seed: 3);
            var twin = _networks.Create<double>(spec, style, seed: 3);
            for (int i = 0; i < twin.ParameterCount; i++)
            {
                twin.Parameters[i] = single.Parameters[i]; // the same (float-rounded) start
            }

            var random = new Random(id);
            var (x, y) = DrawAwayFromKinks(spec, twin.Parameters.ToArray(), random);
            float[] xf = x.Select(v => (float)v).ToArray(), yf = y.Select(v => (float)v).ToArray();
            x = xf.Select(v => (double)v).ToArray();
            y = yf.Select(v => (double)v).ToArray();

            double expected = twin.Backward(x, y);
            ((double)single.Backward(xf, yf)).ShouldBe(expected, 1e-4 * (1 + Math.Abs(expected)));
            for (int i = 0; i < twin.ParameterCount; i++)
            {
                ((double)single.Gradients[i]).ShouldBe(twin.Gradients[i], 1e-4 + 1e-3 * Math.Abs(twin.Gradients[i]), $"{style} parameter {i}");
            }
        }
    }

    [Fact]
    public void TheRandomNetworksCoverEveryFeature()
    {
        var specs = _networks.Specs;
        specs.SelectMany(s => s.Layers).Select(l => l.Activation).Distinct().Order().ShouldBe(Enum.GetValues<Activation>());
        specs.Select(s => s.Layers.Length).Distinct().Order().ShouldBe([1, 2, 3, 4, 5, 6]);
        specs.SelectMany(s => s.Layers).Select(l => l.Units).Distinct().Order().ShouldBe(Enumerable.Range(1, 12));
        specs.SelectMany(s => s.Skips).Select(e => e.Kind).Distinct().Order().ShouldBe(Enum.GetValues<SkipKind>());
        specs.SelectMany(s => s.Skips).Where(e => e.From == "x").Select(e => e.Kind).Distinct().Order().ShouldBe(Enum.GetValues<SkipKind>());
        specs.Select(s => s.Loss).Distinct().Order().ShouldBe(Enum.GetValues<Loss>());
        specs.Select(s => s.Batch).Distinct().Order().ShouldBe([1, 2, 3, 4]);
    }

    /// <summary>
    /// Inputs in [−1, 1] and targets in [−1, 1] (in [0, 1] for the losses on logits), redrawn until
    /// no ReLU/LeakyReLU pre-activation and no L1 residual lies within 1e-4 of zero, and no Huber
    /// residual within 1e-4 of ±δ (conventions.md: finite differences are taken away from kinks).
    /// </summary>
    private static (double[] X, double[] Y) DrawAwayFromKinks(NetSpec spec, double[] parameters, Random random)
    {
        int outputs = spec.Layers[^1].Units;
        for (int attempt = 0; ; attempt++)
        {
            attempt.ShouldBeLessThan(1000, "no point away from the kinks");
            var x = Enumerable.Range(0, spec.Batch * spec.Inputs).Select(_ => random.NextDouble() * 2 - 1).ToArray();
            bool logits = spec.Loss is Loss.CrossEntropy or Loss.BinaryCrossEntropy;
            var y = Enumerable.Range(0, spec.Batch * outputs).Select(_ => logits ? random.NextDouble() : random.NextDouble() * 2 - 1).ToArray();
            bool clear = true;
            for (int s = 0; s < spec.Batch && clear; s++)
            {
                var (z, h) = Reference.Forward(spec, parameters, x.AsSpan(s * spec.Inputs, spec.Inputs));
                clear = spec.Layers
                    .Where(l => l.Activation is Activation.ReLU or Activation.LeakyReLU)
                    .All(l => z[l.Name].All(v => Math.Abs(v) > 1e-4));
                var yhat = h[spec.Layers[^1].Name];
                clear &= spec.Loss != Loss.L1 || yhat.Select((v, i) => Math.Abs(v - y[s * outputs + i])).All(d => d > 1e-4);
                clear &= spec.Loss != Loss.Huber || yhat.Select((v, i) => Math.Abs(Math.Abs(v - y[s * outputs + i]) - spec.HuberDelta)).All(d => d > 1e-4);
            }

            if (clear)
            {
                return (x, y);
            }
        }
    }

    private static string Block(IResidualNetwork<double> net, int index) =>
        net.Blocks.Last(b => b.Offset <= index).Name;
}
