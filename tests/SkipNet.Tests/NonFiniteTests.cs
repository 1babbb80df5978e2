namespace SkipNet.Tests;

public class NonFiniteTests
{
    [Fact]
    public void FindsTheFirstNonFiniteParameterByBlockRowAndColumn()
    {
        var net = new MixedLooped(1);
        NonFinite.Find(net).ShouldBeNull();
        var block = MixedLooped.Blocks.Single(b => b.Name == "b.W"); // 4×4
        block.Of(net.Parameters)[1 * 4 + 2] = double.NaN;

        var found = NonFinite.Find(net).ShouldNotBeNull();
        (found.Vector, found.Block, found.Row, found.Col, found.Index).ShouldBe(("parameter", "b.W", 1, 2, block.Offset + 6));
        double.IsNaN(found.Value).ShouldBeTrue();
        Should.Throw<InvalidOperationException>(() => NonFinite.ThrowIfAny(net)).Message.ShouldBe($"parameter b.W[1, 2] is NaN (index {block.Offset + 6})");
    }

    [Fact]
    public void FindsNonFiniteGradientsAndInputs()
    {
        var net = new SeedNet();
        net.Backward([1e308], [0]);          // z overflows to infinity on the way
        var found = NonFinite.Find(net).ShouldNotBeNull();
        found.Vector.ShouldBe("gradient");

        NonFinite.IndexOf<double>([1, 2, double.PositiveInfinity, double.NaN]).ShouldBe(2);
        NonFinite.IndexOf<float>([1, 2]).ShouldBe(-1);
        Should.Throw<ArgumentException>(() => NonFinite.ThrowIfAny<double>([0, double.NaN], "x")).Message.ShouldStartWith("x[1] is NaN.");
    }

    [Fact]
    public void BothCodePathsTreatNaNAlike()
    {
        // ReLU(NaN) = 0 and passes no gradient back, in unrolled and looped code alike.
        var unrolled = new SeedNet();
        var looped = new SeedNetLooped();
        foreach (IResidualNetwork<double> net in new IResidualNetwork<double>[] { unrolled, looped })
        {
            net.Parameters.Fill(0.5);
            net.Parameters[1] = double.NaN; // b0: z0 = NaN
            net.Backward([1], [0]);
        }

        looped.Gradients.ToArray().ShouldBe(unrolled.Gradients.ToArray());
        unrolled.H0WeightsGradient[0].ShouldBe(0);
    }
}
