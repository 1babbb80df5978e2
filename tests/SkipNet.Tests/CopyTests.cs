namespace SkipNet.Tests;

/// <summary>Clone, a record's <c>with</c>, Initialize and primary constructors: copies own their parameters.</summary>
public class CopyTests
{
    private static readonly double[] X = [0.3, -0.8, 0.5, 0.9, 0.2, -0.4];
    private static readonly double[] Y = [0.2, -0.1, 0.6, 0.4];

    [Fact]
    public void ACloneIsEqualAndIndependent()
    {
        var original = new MixedLooped(3);
        original.Backward(X, Y);
        var clone = original.Clone();
        clone.ShouldBeOfType<MixedLooped>();
        clone.Parameters.ToArray().ShouldBe(original.Parameters.ToArray());
        clone.Gradients.ToArray().ShouldBe(original.Gradients.ToArray());

        var parameters = original.Parameters.ToArray();
        var gradients = original.Gradients.ToArray();
        clone.TrainStep(X, Y, 0.5);
        clone.Initialize(11);
        original.Parameters.ToArray().ShouldBe(parameters, "training the clone leaves the original alone");
        original.Gradients.ToArray().ShouldBe(gradients);

        original.TrainStep(X, Y, 0.5);
        clone.Parameters.ToArray().ShouldBe(new MixedLooped(11).Parameters.ToArray(), "and the other way round");
    }

    [Fact]
    public void ARecordsWithCopiesTheParametersAndTheRecordsOwnMembers()
    {
        var original = new RecordNet("first") { Uses = 4 };
        original.Backward(X, Y);
        var copy = original with { Name = "second" };
        copy.Name.ShouldBe("second");
        copy.Uses.ShouldBe(4);
        copy.Parameters.ToArray().ShouldBe(original.Parameters.ToArray());
        copy.Gradients.ToArray().ShouldBe(original.Gradients.ToArray());

        var parameters = original.Parameters.ToArray();
        copy.TrainStep(X, Y, 0.5);
        original.Parameters.ToArray().ShouldBe(parameters, "the copy has parameters of its own");
        copy.Parameters.ToArray().ShouldNotBe(parameters);
        original.Equals(original with { }).ShouldBeFalse("copies hold other arrays, so a record network equals only itself");
    }

    [Fact]
    public void APrimaryConstructorNetworkStartsFromSeedZeroAndInitializeDrawsOthers()
    {
        var net = new PrimaryNet("policy");
        net.Name.ShouldBe("policy");
        var seedZero = net.Parameters.ToArray();
        seedZero.ShouldContain(p => p != 0, "drawn, not left at zero");

        net.Backward(X, Y);
        net.Initialize(6);
        net.Gradients.ToArray().ShouldAllBe(g => g == 0, "Initialize zeroes the gradients");
        var six = net.Parameters.ToArray();
        six.ShouldNotBe(seedZero);
        net.Initialize(0);
        net.Parameters.ToArray().ShouldBe(seedZero);
        new PrimaryNet("other").Parameters.ToArray().ShouldBe(seedZero);
    }

    [Fact]
    public void InitializeGivesTheSeededConstructorsWeights()
    {
        var net = new MixedUnrolled();
        net.TrainStep(X, Y, 0.3);
        net.Initialize(9);
        net.Parameters.ToArray().ShouldBe(new MixedUnrolled(9).Parameters.ToArray());
        net.Gradients.ToArray().ShouldAllBe(g => g == 0);
        new MixedUnrolled().Parameters.ToArray().ShouldBe(new MixedUnrolled(0).Parameters.ToArray());
    }
}
