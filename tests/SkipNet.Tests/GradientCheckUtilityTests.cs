namespace SkipNet.Tests;

public class GradientCheckUtilityTests
{
    private static readonly double[] X = [0.3, -0.8, 0.5, 0.9, 0.2, -0.4];
    private static readonly double[] Y = [0.2, -0.1, 0.6, 0.4];

    [Fact]
    public void CorrectNetworksPassInOneLine()
    {
        GradientCheck.Run(new MixedUnrolled(5), X, Y).Passed.ShouldBeTrue();
        GradientCheck.Run(new MixedLooped(5), X, Y).Passed.ShouldBeTrue();
        var report = GradientCheck.Run(new MixedSingle(5), X.Select(v => (float)v).ToArray(), Y.Select(v => (float)v).ToArray());
        report.Passed.ShouldBeTrue(report.ToString());
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(100.0)]
    [InlineData(10_000.0)]
    public void CorrectFloatNetworksPassWhateverTheSizeOfTheLoss(double targetScale)
    {
        // Float losses carry rounding noise of about ε·|L|; the tolerance grows with it, so a correct
        // float network passes with targets of 10⁴ (losses near 10⁸) as its double twin does.
        var random = new Random(8);
        for (int seed = 0; seed < 10; seed++)
        {
            var x = Enumerable.Range(0, 6).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
            var y = Enumerable.Range(0, 4).Select(_ => (float)(targetScale * (random.NextDouble() * 2 - 1))).ToArray();
            var report = GradientCheck.Run(new MixedSingle(seed), x, y);
            report.Passed.ShouldBeTrue($"targets × {targetScale}, seed {seed}\n{report}");
        }
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(100.0)]
    public void AWrongFloatGradientStillFailsWithLargeLosses(double targetScale)
    {
        var random = new Random(9);
        var x = Enumerable.Range(0, 6).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var y = Enumerable.Range(0, 4).Select(_ => (float)(targetScale * (random.NextDouble() * 2 - 1))).ToArray();
        var report = GradientCheck.Run(new WrongBlock<float>(new MixedSingle(5), block: "o.W"), x, y);
        report.Blocks.Where(b => !b.Passed).Select(b => b.Block).ShouldBe(["o.W"]);
    }

    [Fact]
    public void AWrongGradientIsReportedByBlock()
    {
        var wrong = new WrongBlock<double>(new MixedLooped(5), block: "b.W");
        var report = GradientCheck.Run(wrong, X, Y);

        report.Passed.ShouldBeFalse();
        report.Blocks.Where(b => !b.Passed).Select(b => b.Block).ShouldBe(["b.W"]);
        var failed = report.Blocks.Single(b => b.Block == "b.W");
        failed.Analytic.ShouldBe(1.5 * failed.Numeric, 1e-5 * (1 + Math.Abs(failed.Numeric)));
        report.ToString().ShouldContain("b.W");
        report.ToString().ShouldContain("FAILED");
    }

    [Theory]
    [InlineData("target NaN", "y[1] is NaN")]
    [InlineData("input ∞", "x[2] is")]
    [InlineData("weight ∞", "parameter b.W[0, 1] is")]
    [InlineData("weight NaN", "parameter o.b[1, 0] is NaN")]
    public void ANonFiniteValueFailsTheCheckAndSaysWhere(string what, string where)
    {
        foreach (var net in new IResidualNetwork<double>[] { new MixedUnrolled(1), new MixedLooped(1) })
        {
            double[] x = [0.3, -0.2, 0.5], y = [0.1, -0.4];
            switch (what)
            {
                case "target NaN": y[1] = double.NaN; break;
                case "input ∞": x[2] = double.PositiveInfinity; break;
                case "weight ∞": net.Blocks.Single(b => b.Name == "b.W").Of(net.Parameters)[1] = double.PositiveInfinity; break;
                default: net.Blocks.Single(b => b.Name == "o.b").Of(net.Parameters)[1] = double.NaN; break;
            }

            var report = GradientCheck.Run(net, x, y);
            report.Passed.ShouldBeFalse(what);
            report.NonFinite.ShouldNotBeNull().ShouldStartWith(where);
            report.ToString().ShouldContain("FAILED: " + where);
            report.Blocks.ShouldContain(b => !b.Passed, "the entries whose differences are not finite fail too");
        }
    }

    [Fact]
    public void ParametersAreLeftUnchangedAndBadSpansChangeNothing()
    {
        var net = new MixedLooped(6);
        var before = net.Parameters.ToArray();
        GradientCheck.Run(net, X, Y);
        net.Parameters.ToArray().ShouldBe(before);

        net.Backward(X, Y);
        var gradients = net.Gradients.ToArray();
        Should.Throw<ArgumentException>(() => GradientCheck.Run(net, X, new double[3]));
        net.Gradients.ToArray().ShouldBe(gradients);
    }

    /// <summary>A network whose gradient for one block is 1.5 times too large.</summary>
    private sealed class WrongBlock<T>(IResidualNetwork<T> inner, string block) : IResidualNetwork<T>
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        private readonly T[] _gradients = new T[inner.ParameterCount];

        public int InputSize => inner.InputSize;
        public int OutputSize => inner.OutputSize;
        public int ParameterCount => inner.ParameterCount;
        public IReadOnlyList<ParameterBlock> Blocks => inner.Blocks;
        public NetworkArchitecture Architecture => inner.Architecture;
        public Span<T> Parameters => inner.Parameters;
        public ulong RandomState { get => inner.RandomState; set => inner.RandomState = value; }
        public Span<T> Buffers => inner.Buffers;
        public Span<long> BatchesTracked => inner.BatchesTracked;
        public ReadOnlySpan<T> Gradients
        {
            get
            {
                inner.Gradients.CopyTo(_gradients);
                foreach (ref T g in Blocks.Single(b => b.Name == block).Of(_gradients.AsSpan()))
                {
                    g *= T.CreateChecked(1.5);
                }

                return _gradients;
            }
        }

        public void Forward(ReadOnlySpan<T> x, Span<T> output) => inner.Forward(x, output);
        public T Backward(ReadOnlySpan<T> x, ReadOnlySpan<T> y) => inner.Backward(x, y);
        public T Evaluate(ReadOnlySpan<T> x, ReadOnlySpan<T> y) => inner.Evaluate(x, y);
        public T InputGradient(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> inputGradient) => inner.InputGradient(x, y, inputGradient);
        public void ZeroGradients() => inner.ZeroGradients();
        public void Step(T learningRate) => inner.Step(learningRate);
        public T TrainStep(ReadOnlySpan<T> x, ReadOnlySpan<T> y, T learningRate) => inner.TrainStep(x, y, learningRate);
        public void Step(Optimizer<T> optimizer) => inner.Step(optimizer);
        public T TrainStep(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Optimizer<T> optimizer) => inner.TrainStep(x, y, optimizer);
    }
}
