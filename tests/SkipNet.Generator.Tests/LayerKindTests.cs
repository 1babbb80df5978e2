using System.Reflection;
using SkipNet.Tests;

namespace SkipNet.Generator.Tests;

/// <summary>
/// Random networks with LayerNorm, Dropout and BatchNorm layers among Dense ones, and networks on small
/// images with every image layer (looped code, double and float),
/// compiled together once: Forward and Evaluate (eval mode) against <see cref="Reference"/>, and the
/// training calls' gradients against central finite differences of the training calls' own loss —
/// taken on copies of the network (<c>Clone</c>), which draw the same dropout masks and start from the
/// same running statistics.
/// </summary>
[Trait("Category", "Slow")] // dotnet test --filter "Category!=Slow" leaves it out of a first check
public class LayerKindTests : IClassFixture<LayerKindTests.Networks>
{
    public const int Count = FirstFused + NetSpec.FusedForms;

    /// <summary>Specs from here on are image networks (<see cref="NetSpec.DrawImage"/>).</summary>
    public const int FirstImage = 80;

    /// <summary>Specs from here on are the forms of a convolution and BatchNorm in one pass (<see cref="NetSpec.DrawFused"/>).</summary>
    public const int FirstFused = 120;
    private const double Step = 1e-6;

    private readonly Networks _networks;

    public LayerKindTests(Networks networks) => _networks = networks;

    public sealed class Networks
    {
        public NetSpec[] Specs { get; } = Enumerable.Range(0, Count).Select(id => id < FirstImage ? NetSpec.DrawLayered(id) : id < FirstFused ? NetSpec.DrawImage(id) : NetSpec.DrawFused(id, id - FirstFused)).ToArray();

        public Assembly Assembly { get; }

        public Networks()
        {
            var source = new System.Text.StringBuilder("using SkipNet;\nnamespace Layered;\n");
            foreach (var spec in Specs)
            {
                source.AppendLine(spec.Declare(CodeStyle.Looped, Precision.Double));
                if (spec.Id % 4 == 0)
                {
                    source.AppendLine(spec.Declare(CodeStyle.Looped, Precision.Single));
                }
            }

            Assembly = Harness.GenerateAndLoad([source.ToString()], acceptedWarnings: ["SKIP022"]);
        }

        public IResidualNetwork<T> Create<T>(NetSpec spec, int seed)
            where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            var precision = typeof(T) == typeof(float) ? Precision.Single : Precision.Double;
            var type = Assembly.GetType("Layered." + spec.ClassName(CodeStyle.Looped, precision), throwOnError: true)!;
            return (IResidualNetwork<T>)Activator.CreateInstance(type, seed)!;
        }
    }

    public static TheoryData<int> Ids() => new(Enumerable.Range(0, Count));

    private static IResidualNetwork<T> Clone<T>(IResidualNetwork<T> net)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        => (IResidualNetwork<T>)net.GetType().GetMethod("Clone")!.Invoke(net, null)!;

    [Theory]
    [MemberData(nameof(Ids))]
    public void ForwardAndEvaluateMatchTheReference(int id)
    {
        var spec = _networks.Specs[id];
        var net = _networks.Create<double>(spec, seed: id);
        net.Blocks.Select(b => (b.Name, b.Offset, b.Rows, b.Cols)).ShouldBe(Reference.Layout(spec).Select(b => (b.Name, b.Offset, b.Rows, b.Cols)));
        Randomize(net.Parameters, new Random(id)); // γ and β away from 1 and 0
        var (x, y) = Draw(spec, net.OutputSize, new Random(id));
        if (spec.HasBatchNorm)
        {
            // Two training calls move the running statistics away from 0 and 1; Forward then reads them.
            var (trainX, trainY) = Draw(spec, net.OutputSize, new Random(id + 10));
            net.Backward(trainX, trainY);
            net.Backward(x, y);
            net.BatchesTracked.ToArray().ShouldAllBe(count => count == 2);
        }

        var output = new double[spec.Batch * net.OutputSize];
        net.Forward(x, output);
        double expected = 0;
        for (int s = 0; s < spec.Batch; s++)
        {
            var (_, h) = Reference.Forward(spec, net.Parameters, x.AsSpan(s * spec.Inputs, spec.Inputs), net.Buffers);
            var yhat = h[spec.Layers[^1].Name];
            for (int i = 0; i < yhat.Length; i++)
            {
                output[s * yhat.Length + i].ShouldBe(yhat[i], 1e-12 * (1 + Math.Abs(yhat[i])), $"{spec.ClassName(CodeStyle.Looped, Precision.Double)} sample {s} output {i}");
            }

            expected += Reference.Loss(spec, yhat, y.AsSpan(s * yhat.Length, yhat.Length));
        }

        expected /= Reference.Divisor(spec, spec.Batch);
        net.Evaluate(x, y).ShouldBe(expected, 1e-12 * (1 + expected));
        if (!spec.HasBatchNorm && spec.Layers.All(l => l.P == 0))
        {
            Clone(net).Backward(x, y).ShouldBe(expected, 1e-12 * (1 + expected), "without dropout, a training call's loss is Evaluate's");
        }
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void GradientsMatchFiniteDifferences(int id)
    {
        var spec = _networks.Specs[id];
        var net = _networks.Create<double>(spec, seed: id);
        Randomize(net.Parameters, new Random(id));
        var (x, y) = Draw(spec, net.OutputSize, new Random(id + 1));

        var first = Clone(net);
        first.ZeroGradients();
        first.Backward(x, y);
        var analytic = first.Gradients.ToArray();
        for (int i = 0; i < analytic.Length; i++)
        {
            double Loss(double delta)
            {
                var copy = Clone(net); // the same dropout masks as the analytic pass
                copy.Parameters[i] += delta;
                return copy.Backward(x, y);
            }

            double numeric = (Loss(Step) - Loss(-Step)) / (2 * Step);
            Math.Abs(analytic[i] - numeric).ShouldBeLessThanOrEqualTo(
                1e-6 + 1e-4 * Math.Abs(numeric),
                $"{spec.ClassName(CodeStyle.Looped, Precision.Double)}: parameter {i} ({net.Blocks.Last(b => b.Offset <= i).Name}) analytic {analytic[i]:R} numeric {numeric:R}");
        }
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void InputGradientMatchesFiniteDifferencesOfEvaluate(int id)
    {
        // Eval mode: BatchNorm by its running statistics (moved from 0 and 1 by two training calls
        // first), dropout the identity; batch 3 and 70 (several chunks) alike.
        var spec = _networks.Specs[id];
        var net = _networks.Create<double>(spec, seed: id);
        Randomize(net.Parameters, new Random(id));
        var random = new Random(id + 3);
        var (trainX, trainY) = Draw(spec, net.OutputSize, random);
        net.Backward(trainX, trainY);
        net.Backward(trainX, trainY);
        var (x, y) = Draw(spec, net.OutputSize, random);
        var dx = InputGradients.Check(net, x, y, spec.ClassName(CodeStyle.Looped, Precision.Double));

        // In a batch of 70 (several chunks) the first samples' dL/dx are the small batch's, scaled by the ratio of the divisors.
        var (many, manyY) = Draw(spec with { Batch = 70 }, net.OutputSize, random);
        x.CopyTo(many, 0);
        y.CopyTo(manyY, 0);
        var manyDx = new double[many.Length];
        net.InputGradient(many, manyY, manyDx);
        double ratio = Reference.Divisor(spec, spec.Batch) / Reference.Divisor(spec, 70);
        for (int i = 0; i < x.Length; i++)
        {
            manyDx[i].ShouldBe(dx[i] * ratio, 1e-12 * (1 + Math.Abs(dx[i])), $"value {i} in a batch of 70");
        }
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void TrainStepIsZeroGradientsBackwardStep(int id)
    {
        // Batch 70 runs three chunks (the first overwrites, the last steps); the dropout masks of both
        // networks come from the same seed, drawn in the same order.
        var spec = _networks.Specs[id];
        var random = new Random(id);
        foreach (int batch in new[] { spec.Batch, 70 })
        {
            var fused = _networks.Create<double>(spec, seed: id);
            var separate = _networks.Create<double>(spec, seed: id);
            var (x, y) = Draw(spec with { Batch = batch }, fused.OutputSize, random);
            for (int step = 0; step < 2; step++)
            {
                double loss = fused.TrainStep(x, y, 0.1);
                separate.ZeroGradients();
                separate.Backward(x, y).ShouldBe(loss);
                separate.Step(0.1);
                fused.Gradients.ToArray().ShouldBe(separate.Gradients.ToArray(), $"batch {batch}, step {step}");
                fused.Parameters.ToArray().ShouldBe(separate.Parameters.ToArray(), $"batch {batch}, step {step}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void ExplainAgreesWithTheGeneratedCode(int id)
    {
        // Explain draws the masks the next training call draws, so its step is TrainStep's.
        var spec = _networks.Specs[id];
        var net = _networks.Create<double>(spec, seed: id);
        if (spec.HasBatchNorm)
        {
            // One sample has no batch statistics: Explain says so, as a training call on one sample does.
            Should.Throw<NotSupportedException>(() => Derivation.Of(net, new double[spec.Inputs], new double[net.OutputSize], 0.05)).Message.ShouldContain("BatchNorm");
            return;
        }


        Randomize(net.Parameters, new Random(id));
        var (xs, ys) = Draw(spec, net.OutputSize, new Random(id + 2));
        double[] x = xs[..spec.Inputs], y = ys[..net.OutputSize];

        var d = Derivation.Of(net, x, y, 0.05);
        double loss = net.TrainStep(x, y, 0.05);
        d.Loss.ShouldBe(loss, 1e-12 * (1 + loss));
        var gradients = d.Gradients();
        var after = d.ParametersAfter();
        for (int i = 0; i < net.ParameterCount; i++)
        {
            string block = net.Blocks.Last(b => b.Offset <= i).Name;
            gradients[i].ShouldBe(net.Gradients[i], 1e-10 * (1 + Math.Abs(net.Gradients[i])), $"gradient {i} ({block})");
            after[i].ShouldBe(net.Parameters[i], 1e-10 * (1 + Math.Abs(net.Parameters[i])), $"parameter {i} ({block})");
        }

        double lossAfter = net.Evaluate(x, y);
        d.LossAfter.ShouldBe(lossAfter, 1e-10 * (1 + lossAfter), "the loss after the step, in eval mode");
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void GradientCheckPassesAndLeavesTheNetworkAsOneBackwardWould(int id)
    {
        var spec = _networks.Specs[id];
        var net = _networks.Create<double>(spec, seed: id);
        var twin = _networks.Create<double>(spec, seed: id);

        // β away from 0: a feature dropped in every sample normalizes to x̂ = 0, and z = β = 0 would sit on a ReLU's kink.
        Randomize(net.Parameters, new Random(id));
        Randomize(twin.Parameters, new Random(id));
        var (x, y) = Draw(spec, net.OutputSize, new Random(id + 3));
        var report = GradientCheck.Run(net, x, y);
        report.Passed.ShouldBeTrue(report.ToString());

        twin.Backward(x, y);
        net.Gradients.ToArray().ShouldBe(twin.Gradients.ToArray());
        net.RandomState.ShouldBe(twin.RandomState);
        net.Buffers.ToArray().ShouldBe(twin.Buffers.ToArray());
        net.BatchesTracked.ToArray().ShouldBe(twin.BatchesTracked.ToArray());
        net.Parameters.ToArray().ShouldBe(twin.Parameters.ToArray());
    }

    public static TheoryData<int> SingleIds() => new(Enumerable.Range(0, Count).Where(i => i % 4 == 0));

    [Theory]
    [MemberData(nameof(SingleIds))]
    public void FloatNetworksTrackTheirDoubleTwins(int id)
    {
        var spec = _networks.Specs[id];
        var single = _networks.Create<float>(spec, seed: 3);
        var twin = _networks.Create<double>(spec, seed: 3);
        for (int i = 0; i < twin.ParameterCount; i++)
        {
            twin.Parameters[i] = single.Parameters[i];
        }

        var (x, y) = Draw(spec, twin.OutputSize, new Random(id));
        float[] xf = x.Select(v => (float)v).ToArray(), yf = y.Select(v => (float)v).ToArray();
        x = xf.Select(v => (double)v).ToArray();
        y = yf.Select(v => (double)v).ToArray();

        // The same seed draws the same masks in both precisions.
        double expected = twin.Backward(x, y);
        ((double)single.Backward(xf, yf)).ShouldBe(expected, 1e-4 * (1 + Math.Abs(expected)));
        for (int i = 0; i < twin.ParameterCount; i++)
        {
            ((double)single.Gradients[i]).ShouldBe(twin.Gradients[i], 1e-3 + 1e-3 * Math.Abs(twin.Gradients[i]), $"parameter {i}");
        }
    }

    /// <summary>
    /// Every call that takes the caller's memory, on spans that sit inside larger arrays at varied
    /// offsets (so their alignment varies too), with marker bands around them: nothing outside a span
    /// is written, and the inputs are left as they were. The kernels behind these calls write through
    /// refs and pointers that no bounds check covers, and a stray write outside a caller's span lands
    /// in whatever object follows it on the heap. Batch 3 (one chunk) and 70 (several, split over
    /// threads); double, and float where the spec has a float twin.
    /// </summary>
    [Theory]
    [MemberData(nameof(Ids))]
    public void NoCallWritesOutsideTheCallersSpans(int id)
    {
        var spec = _networks.Specs[id];
        CallsOnBandedSpans(_networks.Create<double>(spec, seed: id), spec, id);
        if (id % 4 == 0)
        {
            CallsOnBandedSpans(_networks.Create<float>(spec, seed: id), spec, id);
        }
    }

    private static void CallsOnBandedSpans<T>(IResidualNetwork<T> net, NetSpec spec, int id)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var random = new Random(id + 11);
        for (int i = 0; i < net.Parameters.Length; i++)
        {
            net.Parameters[i] = T.CreateTruncating(random.NextDouble() * 2 - 1);
        }

        var adam = new Adam<T>(net, T.CreateTruncating(1e-3));
        foreach (int batch in new[] { spec.Batch, 70 })
        {
            var (x, y) = Draw(spec with { Batch = batch }, net.OutputSize, random);
            var bx = new Banded<T>(x.Select(T.CreateTruncating).ToArray(), random.Next(8));
            var by = new Banded<T>(y.Select(T.CreateTruncating).ToArray(), random.Next(8));
            var output = new Banded<T>(batch * net.OutputSize, random.Next(8));
            var dx = new Banded<T>(x.Length, random.Next(8));
            string at = $"{typeof(T).Name}, batch {batch}";

            net.Forward(bx.Span, output.Span);
            output.ShouldBeIntact($"{at}: Forward's output");
            net.Evaluate(bx.Span, by.Span);
            net.Backward(bx.Span, by.Span);
            net.InputGradient(bx.Span, by.Span, dx.Span);
            dx.ShouldBeIntact($"{at}: InputGradient's dL/dx");
            net.TrainStep(bx.Span, by.Span, T.CreateTruncating(1e-3));
            net.TrainStep(bx.Span, by.Span, adam);
            bx.ShouldBeIntact($"{at}: x", unchanged: true);
            by.ShouldBeIntact($"{at}: y", unchanged: true);
        }
    }

    [Fact]
    public void TheRandomNetworksCoverEveryKind()
    {
        var layers = _networks.Specs.SelectMany(s => s.Layers).ToList();
        layers.Select(l => l.Kind).Distinct().Order().ShouldBe(Enum.GetValues<LayerKind>());
        var images = _networks.Specs.Skip(FirstImage).ToList();
        images.SelectMany(s => s.Layers.Where(l => l.Kind == LayerKind.Conv2D)).Select(l => (l.Stride, l.Padding, l.Kernel)).Distinct().Count().ShouldBe(12, "every stride, padding and kernel size");
        images.SelectMany(s => s.Layers.Where(l => l.Kind is LayerKind.BatchNorm or LayerKind.LayerNorm or LayerKind.Dropout)).ShouldContain(l => l.Shape != null, "normalizations and dropout over images");
        images.SelectMany(s => s.Skips.Where(e => e.Kind == SkipKind.Weighted && s.ShapeOf(e.From) is { } a && s.ShapeOf(e.To) is { } b).Select(e => s.ShapeOf(e.From)![1] / s.ShapeOf(e.To)![1]))
            .Distinct().ToArray().ShouldSatisfyAllConditions(strides => strides.ShouldContain(1), strides => strides.ShouldContain(2));
        images.SelectMany(s => s.Skips.Where(e => e.Kind == SkipKind.Identity && s.ShapeOf(e.From) is not null)).ShouldNotBeEmpty("identity skips between images");
        images.SelectMany(s => s.Skips.Where(e => e.Kind == SkipKind.Weighted && (s.ShapeOf(e.From) is null) != (s.ShapeOf(e.To) is null))).ShouldNotBeEmpty("matrix skips between an image and a vector");
        images.ShouldContain(s => s.Layers.Any(l => l.Kind == LayerKind.Dense) && s.Layers.TakeWhile(l => l.Kind != LayerKind.Dense).All(l => l.Kind != LayerKind.GlobalAvgPool2D), "a Dense layer flattening an image");
        layers.Where(l => l.Kind == LayerKind.LayerNorm).Select(l => l.Activation).Distinct().Order().ShouldBe(Enum.GetValues<Activation>());
        _networks.Specs.Take(FirstImage).SelectMany(s => s.Layers).Where(l => l.Kind == LayerKind.Dropout).Select(l => l.P).Distinct().Order().ShouldBe([0, 0.1, 0.5, 0.6]);
        var kinds = _networks.Specs.SelectMany(s => s.Skips.Select(e => s.Layers.Single(l => l.Name == e.To).Kind)).Distinct().Order();
        kinds.ToArray().ShouldBe(Enum.GetValues<LayerKind>(), "skips into every kind");
        _networks.Specs.Take(FirstImage).SelectMany(s => s.Layers.Skip(1).Zip(s.Layers, (l, previous) => (previous.Kind, l.Kind))).Distinct().Count().ShouldBe(16, "every vector kind after every vector kind");
    }

    /// <summary>Parameters uniform in [−1, 1], so that γ and β are not 1 and 0.</summary>
    private static void Randomize(Span<double> parameters, Random random)
    {
        for (int i = 0; i < parameters.Length; i++)
        {
            parameters[i] = random.NextDouble() * 2 - 1;
        }
    }

    private static (double[] X, double[] Y) Draw(NetSpec spec, int outputs, Random random)
    {
        bool logits = spec.Loss is Loss.CrossEntropy or Loss.BinaryCrossEntropy;
        var x = Enumerable.Range(0, spec.Batch * spec.Inputs).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        var y = Enumerable.Range(0, spec.Batch * outputs).Select(_ => logits ? random.NextDouble() : random.NextDouble() * 2 - 1).ToArray();
        return (x, y);
    }
}
