namespace SkipNet.Tests;

/// <summary>A learning rate that is NaN, infinite or negative is refused before anything changes (torch.optim refuses negative rates too).</summary>
public class LearningRateTests
{
    private static readonly double[] X = [0.3, -0.8, 0.5];
    private static readonly double[] Y = [0.2, -0.1];

    public static TheoryData<double> BadRates() => new() { double.NaN, double.PositiveInfinity, double.NegativeInfinity, -1e-3, -1e-30 };

    [Theory]
    [MemberData(nameof(BadRates))]
    public void BadRatesAreRefusedAndChangeNothing(double rate)
    {
        foreach (IResidualNetwork<double> net in new IResidualNetwork<double>[] { new MixedUnrolled(2), new MixedLooped(2) })
        {
            net.Backward(X, Y);
            var parameters = net.Parameters.ToArray();
            var gradients = net.Gradients.ToArray();
            var errors = new[]
            {
                Should.Throw<ArgumentOutOfRangeException>(() => net.Step(rate)),
                Should.Throw<ArgumentOutOfRangeException>(() => net.TrainStep(X, Y, rate)),
                Should.Throw<ArgumentOutOfRangeException>(() => Derivation.Of(net, X, Y, rate)),
            };
            errors.ShouldAllBe(e => e.ParamName == "learningRate" && e.Message.Contains("finite number ≥ 0"));
            net.Parameters.ToArray().ShouldBe(parameters);
            net.Gradients.ToArray().ShouldBe(gradients);
        }

        var single = new MixedSingle(2);
        Should.Throw<ArgumentOutOfRangeException>(() => single.TrainStep([0.3f, -0.8f, 0.5f], [0.2f, -0.1f], (float)rate));
        Should.Throw<ArgumentOutOfRangeException>(() => Optimizers.Sgd<double>(new double[2], new double[2], rate));
    }

    [Fact]
    public void ARateOfZeroWritesTheGradientsAndKeepsTheParameters()
    {
        var net = new MixedLooped(2);
        var parameters = net.Parameters.ToArray();
        net.TrainStep(X, Y, 0);
        net.Parameters.ToArray().ShouldBe(parameters);
        net.Gradients.ToArray().ShouldContain(g => g != 0);
    }
}
