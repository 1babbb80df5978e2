namespace SkipNet.Tests;

public class InitializationTests
{
    [Fact]
    public void TheSameSeedGivesTheSameWeightsAndOtherSeedsOtherWeights()
    {
        new WideNet(5).Parameters.ToArray().ShouldBe(new WideNet(5).Parameters.ToArray());
        new WideNet(5).Parameters.ToArray().ShouldNotBe(new WideNet(6).Parameters.ToArray());
        new WideNet().Parameters.ToArray().ShouldBe(new WideNet(0).Parameters.ToArray());
    }

    [Fact]
    public void HeForReLUGlorotOtherwiseBiasesZero()
    {
        var net = new WideNet(11);
        foreach (var block in WideNet.Blocks)
        {
            var values = block.Of<double>(net.Parameters).ToArray();
            if (block.Name.EndsWith(".b"))
            {
                values.ShouldAllBe(v => v == 0, block.Name);
                continue;
            }

            bool relu = block.Name.StartsWith("h"); // h0..h2 are ReLU, y is linear
            double limit = relu ? Math.Sqrt(6.0 / block.Cols) : Math.Sqrt(6.0 / (block.Cols + block.Rows));
            values.ShouldAllBe(v => Math.Abs(v) <= limit, block.Name);
            values.Max().ShouldBeGreaterThan(0.8 * limit, block.Name + " uses its range");
            values.Min().ShouldBeLessThan(-0.8 * limit, block.Name + " uses its range");
        }
    }

    [Fact]
    public void FloatNetworksStartFromTheRoundedDoubleWeights()
    {
        var single = new SeedNetSingle(9);
        var twin = new SeedNet(9);
        for (int i = 0; i < SeedNet.ParameterCount; i++)
        {
            single.Parameters[i].ShouldBe((float)twin.Parameters[i]);
        }
    }

    [Fact]
    public void BlockOfChecksTheVectorLength()
    {
        var block = new ParameterBlock("h0.W", 4, 2, 3);
        block.Length.ShouldBe(6);
        Should.Throw<ArgumentException>(() => block.Of<double>(new double[9]))
            .Message.ShouldStartWith("Block 'h0.W' needs a vector of at least 10 elements; the vector has 9.");
    }
}
