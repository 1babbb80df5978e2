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

    [Fact]
    public void AWrongGradientIsReportedByBlock()
    {
        var wrong = new WrongBlock(new MixedLooped(5), block: "b.W");
        var report = GradientCheck.Run(wrong, X, Y);

        report.Passed.ShouldBeFalse();
        report.Blocks.Where(b => !b.Passed).Select(b => b.Block).ShouldBe(["b.W"]);
        var failed = report.Blocks.Single(b => b.Block == "b.W");
        failed.Analytic.ShouldBe(1.5 * failed.Numeric, 1e-5 * (1 + Math.Abs(failed.Numeric)));
        report.ToString().ShouldContain("b.W");
        report.ToString().ShouldContain("FAILED");
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
    private sealed class WrongBlock(IResidualNetwork<double> inner, string block) : IResidualNetwork<double>
    {
        private readonly double[] _gradients = new double[inner.ParameterCount];

        public int InputSize => inner.InputSize;
        public int OutputSize => inner.OutputSize;
        public int ParameterCount => inner.ParameterCount;
        public IReadOnlyList<ParameterBlock> Blocks => inner.Blocks;
        public NetworkArchitecture Architecture => inner.Architecture;
        public Span<double> Parameters => inner.Parameters;
        public ReadOnlySpan<double> Gradients
        {
            get
            {
                inner.Gradients.CopyTo(_gradients);
                foreach (ref double g in Blocks.Single(b => b.Name == block).Of(_gradients.AsSpan()))
                {
                    g *= 1.5;
                }

                return _gradients;
            }
        }

        public void Forward(ReadOnlySpan<double> x, Span<double> output) => inner.Forward(x, output);
        public double Backward(ReadOnlySpan<double> x, ReadOnlySpan<double> y) => inner.Backward(x, y);
        public double Evaluate(ReadOnlySpan<double> x, ReadOnlySpan<double> y) => inner.Evaluate(x, y);
        public void ZeroGradients() => inner.ZeroGradients();
        public void Step(double learningRate) => inner.Step(learningRate);
        public double TrainStep(ReadOnlySpan<double> x, ReadOnlySpan<double> y, double learningRate) => inner.TrainStep(x, y, learningRate);
    }
}
