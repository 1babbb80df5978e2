namespace SkipNet.Tests;

/// <summary>Wrong spans throw ArgumentException naming the expected and actual lengths, and change nothing.</summary>
public class BoundaryTests
{
    public static TheoryData<string, int, int> BadBatches() => new()
    {
        // what is wrong, x length, y length (MixedUnrolled: 3 inputs, 2 outputs)
        { "empty batch", 0, 0 },
        { "x not a multiple of InputSize", 4, 2 },
        { "y too short for 2 samples", 6, 2 },
        { "y too long for 1 sample", 3, 4 },
    };

    [Theory]
    [MemberData(nameof(BadBatches))]
    public void BadBatchesThrowAndLeaveEverythingAsItWas(string what, int xLength, int yLength)
    {
        var net = new MixedUnrolled(4);
        net.Backward([0.1, 0.2, 0.3], [0.5, -0.5]); // some gradients to keep
        var parameters = net.Parameters.ToArray();
        var gradients = net.Gradients.ToArray();
        var x = new double[xLength];
        var y = new double[yLength];

        var errors = new[]
        {
            Should.Throw<ArgumentException>(() => net.TrainStep(x, y, 0.1), what),
            Should.Throw<ArgumentException>(() => net.Backward(x, y), what),
            Should.Throw<ArgumentException>(() => net.Evaluate(x, y), what),
            Should.Throw<ArgumentException>(() => net.InputGradient(x, y, new double[xLength]), what),
        };

        foreach (var error in errors)
        {
            error.Message.ShouldContain("its length is");
            error.ParamName.ShouldBeOneOf("x", "y");
        }

        net.Parameters.ToArray().ShouldBe(parameters);
        net.Gradients.ToArray().ShouldBe(gradients);
    }

    [Fact]
    public void MessagesNameExpectedAndActualLengths()
    {
        var net = new MixedLooped();
        Should.Throw<ArgumentException>(() => net.Backward(new double[6], new double[3]))
            .Message.ShouldStartWith("Expected y to have length 4 (2 sample(s) × 2); its length is 3.");
        Should.Throw<ArgumentException>(() => net.Forward(new double[5], new double[2]))
            .Message.ShouldStartWith("Expected x to hold k ≥ 1 samples of 3 elements (length k·3); its length is 5.");
        var output = new double[3];
        Should.Throw<ArgumentException>(() => net.Forward(new double[3], output))
            .Message.ShouldStartWith("Expected output to have length 2 (1 sample(s) × 2); its length is 3.");
        output.ShouldAllBe(v => v == 0, "nothing written");
    }

    [Theory]
    [InlineData(CodeStyle.Unrolled)]
    [InlineData(CodeStyle.Looped)]
    public void InputGradientChecksItsSpanAndWritesNothingOnError(CodeStyle style)
    {
        IResidualNetwork<double> net = style == CodeStyle.Unrolled ? new MixedUnrolled(3) : new MixedLooped(3);
        var buffer = Enumerable.Range(0, 10).Select(i => (double)i / 10).ToArray();
        double[] x = buffer[..6], y = [0.5, -0.5, 0.25, 1];

        var dx = new double[5];
        Should.Throw<ArgumentException>(() => net.InputGradient(x, y, dx))
            .Message.ShouldStartWith("Expected inputGradient to have length 6 (2 sample(s) × 3); its length is 5.");
        dx.ShouldAllBe(v => v == 0, "nothing written");

        // Written while x and y are read: a span that shares an element with either is refused.
        var inPlace = buffer.AsMemory(0, 6);
        var error = Should.Throw<ArgumentException>(() => net.InputGradient(inPlace.Span, y, inPlace.Span));
        error.ParamName.ShouldBe("inputGradient");
        error.Message.ShouldContain("overlaps x");
        Should.Throw<ArgumentException>(() => net.InputGradient(x, buffer.AsSpan(4, 4), buffer.AsSpan(0, 6)))
            .Message.ShouldContain("overlaps y");
        buffer.ShouldBe(Enumerable.Range(0, 10).Select(i => (double)i / 10).ToArray(), "nothing written");
    }

    [Fact]
    public void ABatchIsTheMeanOfItsSamples()
    {
        var net = new MixedLooped(2);
        double[] x = [0.1, -0.4, 0.9, 0.5, 0.3, -0.2], y = [0.3, -0.1, 0.8, 0.2];
        double first = net.Backward(x[..3], y[..2]);
        var g1 = net.Gradients.ToArray();
        net.ZeroGradients();
        double second = net.Backward(x[3..], y[2..]);
        var g2 = net.Gradients.ToArray();
        net.ZeroGradients();

        net.Backward(x, y).ShouldBe((first + second) / 2, 1e-15);
        for (int i = 0; i < g1.Length; i++)
        {
            net.Gradients[i].ShouldBe((g1[i] + g2[i]) / 2, 1e-15);
        }

        var outputs = new double[4];
        net.Forward(x, outputs);
        var single = new double[2];
        net.Forward(x[3..], single);
        outputs[2..].ShouldBe(single);
    }

    [Fact]
    public void ExpectedLengthsPastIntMaxValueArePrintedAsTheyAre()
    {
        // 2^20 samples of 2^12 outputs: 2^32 elements, which an int would print as 0.
        Should.Throw<ArgumentException>(() => Guard.Length<double>(new double[3], 1 << 20, 1 << 12, "y"))
            .Message.ShouldStartWith("Expected y to have length 4294967296 (1048576 sample(s) × 4096); its length is 3.");
    }

    [Fact]
    public void EvaluateRunsInChunksAndGivesBackwardsLoss()
    {
        // 70 samples are three chunks of a looped network; Evaluate computes exactly the loss Backward reports.
        var random = new Random(5);
        foreach (IResidualNetwork<double> net in new IResidualNetwork<double>[] { new MixedLooped(3), new WideNet(3), new MixedUnrolled(3) })
        {
            var x = Enumerable.Range(0, 70 * net.InputSize).Select(_ => random.NextDouble() * 2 - 1).ToArray();
            var y = Enumerable.Range(0, 70 * net.OutputSize).Select(_ => random.NextDouble() * 2 - 1).ToArray();
            net.Evaluate(x, y).ShouldBe(net.Backward(x, y));
        }
    }
}
