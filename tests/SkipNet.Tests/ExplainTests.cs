namespace SkipNet.Tests;

/// <summary>
/// Explain and the hand-derivation check: the seed exercise's derivation (both readings of y, pinned
/// as approved text and Markdown), agreement with the generated Backward and Step on other networks,
/// and the check that finds the exercise's sign error.
/// </summary>
public class ExplainTests
{
    /// <summary>The exercise's hand derivation with y = −3: dL/dŷ = −1 and everything after it follows.</summary>
    public const string HandDerivation =
        "z0 = 0.5, h0 = 0.5, z1 = 0.25, h1 = 0.25, yhat = 0.375, L = 3.375, " +
        "dL/dyhat = -1, dL/dw2 = -0.25, dL/dws = -0.5, dL/db2 = -1, dL/dh1 = -0.5, dL/dw1 = -0.25, dL/db1 = -0.5, " +
        "dL/dh0 = -0.75, dL/dw0 = -0.75, dL/db0 = -0.75, " +
        "w0' = 1.25, b0' = 0.75, w1' = 0.75, b1' = 0.5, w2' = 0.75, b2' = 1, ws' = 1";

    /// <summary>The exercise calls the skip weight ws.</summary>
    public static readonly Dictionary<string, string> ExerciseNames = new() { ["ws"] = "s_h0_y" };

    private static SeedNet Seed()
    {
        var net = new SeedNet();
        net.Parameters.Clear();
        net.H0Weights[0] = net.H1Weights[0] = net.YWeights[0] = net.H0ToYSkip[0] = 0.5;
        return net;
    }

    public static TheoryData<string> Columns() => new(nameof(SeedExerciseTests.FinalLine), nameof(SeedExerciseTests.FirstLoss));

    private static SeedExerciseTests.Column ColumnNamed(string name) =>
        name == nameof(SeedExerciseTests.FinalLine) ? SeedExerciseTests.FinalLine : SeedExerciseTests.FirstLoss;

    [Theory]
    [MemberData(nameof(Columns))]
    public void TheSeedDerivationHasTheCorrectedNumbers(string column)
    {
        var c = ColumnNamed(column);
        var d = Seed().Explain([1.0], [c.Target], 1.0);

        d.Loss.ShouldBe(c.LossBefore);
        d["dL/dŷ"].ShouldBe(c.DLossDYhat);
        d["dL/dh0"].ShouldBe(c.DLossDH0);
        d["dL/dh1"].ShouldBe(c.DLossDH1);
        d.Gradients().ShouldBe(c.Gradients);
        d.ParametersAfter().ShouldBe(c.ParametersAfter);
        d["ŷ'"].ShouldBe(c.YhatAfter);
        d.LossAfter.ShouldBe(c.LossAfter);

        // The exercise's own names reach the same quantities.
        d["dL/dyhat"].ShouldBe(c.DLossDYhat);
        d["w0'"].ShouldBe(c.ParametersAfter[0]);
        d["z2"].ShouldBe(0.375);
    }

    [Fact]
    public void TheSeedTextIsApproved() =>
        Seed().Explain([1.0], [-3.0], 1.0).ToText().ShouldMatchApproved(c => c.SubFolder("Approved").NoDiff());

    [Fact]
    public void TheSeedMarkdownIsApproved() =>
        Seed().Explain([1.0], [-3.0], 1.0).ToMarkdown().ShouldMatchApproved(c => c.SubFolder("Approved").NoDiff().WithFileExtension("md"));

    [Fact]
    public void TheDocsShowTheSeedMarkdown() =>
        File.ReadAllText(Path.Combine(Repository.Root, "docs", "seed-derivation.md")).ReplaceLineEndings("\n")
            .ShouldEndWith(Seed().Explain([1.0], [-3.0], 1.0).ToMarkdown().ReplaceLineEndings("\n"));

    [Fact]
    public void TheOtherReadingOfYIsApproved() =>
        Seed().Explain([1.0], [3.75], 1.0).ToText().ShouldMatchApproved(c => c.SubFolder("Approved").NoDiff());

    [Fact]
    public void TheTextShowsBothPathsOfTheSkip()
    {
        var text = Seed().Explain([1.0], [-3.0], 1.0).ToText();
        text.ShouldContain("dL/dh0 = dL/dz_h1·w_h1 + dL/dz_y·s_h0_y = 0.5 × 0.5 + 1 × 0.5 = 0.75   (2 paths: through h1, skip h0->y)");
        text.ShouldContain("z_h0 = w_h0·x + b_h0 = 0.5 × 1 + 0 = 0.5");
        text.ShouldContain("dL/dŷ = sign(ŷ − y) = sign(0.375 − (−3)) = 1");
        text.ShouldContain("The loss went from 3.375 to 2 (down).");
    }

    [Fact]
    public void TheCheckFindsTheExercisesSignError()
    {
        var check = Seed().Explain([1.0], [-3.0], 1.0).Check(HandDerivation, ExerciseNames);

        check.UnknownNames.ShouldBeEmpty();
        check.AllAgree.ShouldBeFalse();
        check.FirstWrongStep.ShouldNotBeNull().Quantity.ShouldBe("dL/dŷ");
        check.FirstWrongStep.Given.ShouldBe(-1);
        check.FirstWrongStep.Correct.ShouldBe(1);
        check.FirstWrongStep.FollowsFromYourValues.ShouldBeFalse();

        // The forward values are right; every value after dL/dŷ is wrong only through it.
        var wrong = check.Values.Where(v => !v.Agrees).ToList();
        check.Values.Where(v => v.Agrees).Select(v => v.Written).ShouldBe(["z0", "h0", "z1", "h1", "yhat", "L"]);
        wrong.Count.ShouldBe(17);
        wrong.Skip(1).ShouldAllBe(v => v.FollowsFromYourValues);
        check.ToString().ShouldContain("First wrong step: dL/dŷ. You wrote −1; dL/dŷ = sign(ŷ − y) = sign(0.375 − (−3)) = 1.");
    }

    [Fact]
    public void TheCheckAcceptsTheCorrectDerivationAndTheOtherReading()
    {
        // With y = 3.75 the exercise's numbers are right (docs/seed-exercise.md).
        var check = Seed().Explain([1.0], [3.75], 1.0).Check(HandDerivation, ExerciseNames);
        check.AllAgree.ShouldBeTrue(check.ToString());
        check.FirstWrongStep.ShouldBeNull();
    }

    [Fact]
    public void ACarelessStepIsTheFirstWrongStepEvenWhenLaterValuesAreRight()
    {
        // dL/dh1 without the factor w2 (the exercise's symbolic slip), then the right dL/dw1.
        var check = Seed().Explain([1.0], [-3.0], 1.0).Check("dL/dyhat = 1; dL/dh1 = 1; dL/dw1 = 0.25");
        check.FirstWrongStep.ShouldNotBeNull().Quantity.ShouldBe("dL/dh1");
        var w1 = check.Values.Single(v => v.Written == "dL/dw1");
        w1.Agrees.ShouldBeTrue();
        w1.FollowsFromYourValues.ShouldBeFalse(); // from dL/dh1 = 1 it would be 0.5
        w1.FromYourValues.ShouldBe(0.5);
    }

    [Fact]
    public void TheCheckReportsUnknownNamesAndRejectsMalformedPairs()
    {
        var d = Seed().Explain([1.0], [-3.0], 1.0);
        var check = d.Check("dL/dq = 1, z9 = 2, W_h0[3] = 1, w_h0 = 0.5");
        check.UnknownNames.ShouldBe(["dL/dq", "z9", "W_h0[3]"]);
        check.Values.Single().Agrees.ShouldBeTrue();
        check.AllAgree.ShouldBeFalse();
        Should.Throw<FormatException>(() => d.Check("dL/dyhat -1")).Message.ShouldContain("dL/dyhat -1");
        Should.Throw<ArgumentException>(() => d["nothing"]).Message.ShouldContain("z_h0");
    }

    [Fact]
    public void TheToleranceAllowsRoundedHandValues()
    {
        var d = new MixedUnrolled(seed: 5).Explain([0.3, -0.2, 0.9], [0.1, -0.4], 0.1);
        double exact = d["z_a[1]"];
        d.Check($"z_a[1] = {exact + 4e-4:R}").AllAgree.ShouldBeTrue();
        d.Check($"z_a[1] = {exact + 4e-2:R}").AllAgree.ShouldBeFalse();
        d.Check($"z_a[1] = {exact + 4e-4:R}", tolerance: 1e-6).AllAgree.ShouldBeFalse();
    }

    public static TheoryData<string> Networks() => new(nameof(MixedUnrolled), nameof(MixedLooped), nameof(WideNet), nameof(SeedNetLooped));

    [Theory]
    [MemberData(nameof(Networks))]
    public void TheDerivationAgreesWithTheGeneratedCode(string name)
    {
        var type = typeof(ExplainTests).Assembly.GetType("SkipNet.Tests." + name)!;
        for (int seed = 0; seed < 5; seed++)
        {
            var net = (IResidualNetwork<double>)Activator.CreateInstance(type, seed)!;
            var random = new Random(seed);
            var x = Enumerable.Range(0, net.InputSize).Select(_ => random.NextDouble() * 2 - 1).ToArray();
            var y = Enumerable.Range(0, net.OutputSize).Select(_ => random.NextDouble() * 2 - 1).ToArray();
            net.Backward(x, y); // leaves gradients that Explain must not touch
            var parameters = net.Parameters.ToArray();
            var gradients = net.Gradients.ToArray();

            var d = Derivation.Of(net, x, y, 0.1);

            net.Parameters.ToArray().ShouldBe(parameters, "Explain changes nothing");
            net.Gradients.ToArray().ShouldBe(gradients, "Explain changes nothing");

            var output = new double[net.OutputSize];
            net.Forward(x, output);
            Close(d.Output.ToArray(), output);
            double loss = net.TrainStep(x, y, 0.1);
            d.Loss.ShouldBe(loss, 1e-12 * (1 + loss));
            Close(d.Gradients(), net.Gradients.ToArray());
            Close(d.ParametersAfter(), net.Parameters.ToArray());
            double after = net.Evaluate(x, y);
            d.LossAfter.ShouldBe(after, 1e-12 * (1 + after));
        }
    }

    [Fact]
    public void AFloatNetworkIsExplainedInDouble()
    {
        var net = new SeedNetSingle();
        net.Parameters.Clear();
        net.H0Weights[0] = net.H1Weights[0] = net.YWeights[0] = net.H0ToYSkip[0] = 0.5f;
        var d = net.Explain([1f], [-3f], 1f);
        d.Gradients().ShouldBe(SeedExerciseTests.FinalLine.Gradients);
        d.LossAfter.ShouldBe(2.0);
    }

    [Fact]
    public void WideLayersAreSummarised()
    {
        var net = new WideNet(seed: 1);
        var random = new Random(1);
        var x = Enumerable.Range(0, WideNet.InputSize).Select(_ => random.NextDouble()).ToArray();
        var d = net.Explain(x, new double[WideNet.OutputSize], 0.01);
        var text = d.ToText();

        // 64×64 matrices are not dumped: a few lines per quantity, with shape and norm.
        text.Split('\n').Length.ShouldBeLessThan(200);
        text.ShouldContain("z_h1 = W_h1·h0 + b_h1   (64; ‖z_h1‖ = ");
        text.ShouldContain("dL/dh0 = W_h1ᵀ·dL/dz_h1 + dL/dz_h2   (64; ");
        text.ShouldContain("(2 paths: through h1, skip h0->h2)");
        text.ShouldNotContain("W_h1[3,5] =");
        d.ToMarkdown().ShouldContain("\\lVert z_{h1} \\rVert");

        // Every entry can still be asked for, one by one or whole.
        d["W_h1'[3,5]"].ShouldBe(net.H1Weights[3 * 64 + 5] - 0.01 * d["dL/dW_h1[3,5]"]);
        d.ValuesOf("W_h1'")[3 * 64 + 5].ShouldBe(d["W_h1'[3,5]"]);
        d.ValuesOf("dL/dh0").Length.ShouldBe(64);
        d.ValuesOf("dL/dh0")[7].ShouldBe(d["dL/dh0[7]"]);
        Should.Throw<ArgumentException>(() => d.ValuesOf("dL/dq"));
    }

    [Fact]
    public void ExplainTakesOneSample()
    {
        var net = Seed();
        Should.Throw<ArgumentException>(() => net.Explain([1.0, 2.0], [1.0, 1.0], 1.0))
            .Message.ShouldBe("Explain takes one sample: expected x to have length 1 (InputSize); its length is 2. (Parameter 'x')");
        Should.Throw<ArgumentException>(() => net.Explain([1.0], [], 1.0)).ParamName.ShouldBe("y");
    }

    private static void Close(double[] actual, double[] expected)
    {
        actual.Length.ShouldBe(expected.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            actual[i].ShouldBe(expected[i], 1e-10 * (1 + Math.Abs(expected[i])), $"entry {i}");
        }
    }

    [Fact]
    public void WideInputsAndLongEquationsAreSummarised()
    {
        // 1,024 inputs in the header, and a one-unit output whose equation would have 1,029 terms:
        // both are given as size, norm and first entries, so no line grows with the width.
        var net = new WideInputNet(1);
        var x = Enumerable.Range(0, 1024).Select(i => Math.Sin(i)).ToArray();
        var d = net.Explain(x, [0.5], 0.1);
        foreach (var text in new[] { d.ToText(), d.ToMarkdown() })
        {
            text.Split('\n').Max(l => l.Length).ShouldBeLessThan(600);
            text.ShouldContain("1024 values");
        }

        d.ToText().ShouldContain("  z_y = W_y·h + b_y + S_x_y·x   (1; ‖z_y‖ = ");
        d["z_y"].ShouldBe(d["ŷ"]); // the summary hides the terms, not the value
    }
}
