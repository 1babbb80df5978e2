namespace SkipNet.Tests;

/// <summary>Cross-entropy, binary cross-entropy and Huber, with GELU, SiLU and Softplus layers, in both code styles.</summary>
public class ClassificationTests
{
    private static readonly double[] X = [0.3, -0.8, 0.5, 0.9, 0.2, -0.4, 0.7, -0.1];
    private static readonly double[] OneHot = [0, 1, 0, 1, 0, 0];

    [Fact]
    public void CrossEntropyIsTheMeanOverSamplesOfMinusLogSoftmax()
    {
        var net = new ClassifierLooped(4);
        var logits = new double[6];
        net.Forward(X, logits);
        double expected = 0;
        for (int s = 0; s < 2; s++)
        {
            var row = logits.AsSpan(s * 3, 3).ToArray();
            double lse = Math.Log(row.Sum(Math.Exp));
            expected += -(row[Array.IndexOf(OneHot, 1.0, s * 3) - s * 3] - lse);
        }

        net.Evaluate(X, OneHot).ShouldBe(expected / 2, 1e-14, "the mean over the 2 samples, not over the 6 outputs");
        new ClassifierUnrolled(4).Evaluate(X, OneHot).ShouldBe(expected / 2, 1e-14);
    }

    [Fact]
    public void CrossEntropyGradientsArePMinusYOverB()
    {
        var logits = new double[] { 2.0, -1.0, 0.5, 1000.0, 999.0, -1000.0 };
        var gradient = new double[6];
        double loss = Losses.CrossEntropy<double>(logits, OneHot, classes: 3, scale: 0.5, gradient);
        double.IsFinite(loss).ShouldBeTrue("logits of 1000 do not overflow");
        for (int s = 0; s < 2; s++)
        {
            var row = logits.AsSpan(s * 3, 3).ToArray();
            double max = row.Max(), sum = row.Sum(v => Math.Exp(v - max));
            for (int c = 0; c < 3; c++)
            {
                double p = Math.Exp(row[c] - max) / sum;
                gradient[s * 3 + c].ShouldBe((p - OneHot[s * 3 + c]) * 0.5, 1e-15);
            }
        }

        // Central differences of the summed loss, soft targets that do not sum to 1 included.
        double[] soft = [0.2, 0.5, 0.1, 0.7, 0.0, 0.6];
        double[] z = [0.3, -0.2, 1.1, -0.7, 0.4, 0.05];
        Losses.CrossEntropy<double>(z, soft, 3, 1, gradient);
        for (int i = 0; i < z.Length; i++)
        {
            double[] plus = (double[])z.Clone(), minus = (double[])z.Clone();
            plus[i] += 1e-6;
            minus[i] -= 1e-6;
            double numeric = (Losses.CrossEntropy<double>(plus, soft, 3) - Losses.CrossEntropy<double>(minus, soft, 3)) / 2e-6;
            gradient[i].ShouldBe(numeric, 1e-8);
        }
    }

    [Fact]
    public void BinaryCrossEntropyIsStableForLargeLogits()
    {
        var gradient = new double[4];
        double loss = Losses.BinaryCrossEntropy<double>([100.0, -100.0, 800.0, -800.0], [1.0, 1.0, 0.0, 0.0], 1, gradient);
        loss.ShouldBe(100 + 800, 1e-12, "−ln σ(100)·1 ≈ 0, −ln σ(−100) = 100, −ln(1 − σ(800)) = 800, −ln(1 − σ(−800)) ≈ 0");
        gradient.ShouldBe([0.0, -1.0, 1.0, 0.0], 1e-15);
    }

    [Fact]
    public void HuberIsQuadraticWithinDeltaAndLinearBeyond()
    {
        var gradient = new double[3];
        double loss = Losses.Huber<double>([0.2, 3.0, -2.0], [0.0, 0.0, 0.0], delta: 0.5, scale: 1, gradient);
        loss.ShouldBe(0.5 * 0.04 + 0.5 * (3.0 - 0.25) + 0.5 * (2.0 - 0.25), 1e-15);
        gradient.ShouldBe([0.2, 0.5, -0.5], 1e-15);
        Should.Throw<ArgumentOutOfRangeException>(() => Losses.Huber<double>([1.0], [0.0], delta: 0));
    }

    public static TheoryData<string> Networks() => new() { nameof(ClassifierUnrolled), nameof(ClassifierLooped), nameof(BinaryNet), nameof(HuberNet) };

    [Theory]
    [MemberData(nameof(Networks))]
    public void GradientsMatchFiniteDifferences(string network)
    {
        IResidualNetwork<double> net = network switch
        {
            nameof(ClassifierUnrolled) => new ClassifierUnrolled(2),
            nameof(ClassifierLooped) => new ClassifierLooped(2),
            nameof(BinaryNet) => new BinaryNet(2),
            _ => new HuberNet(2),
        };
        var random = new Random(3);
        var x = Enumerable.Range(0, 2 * net.InputSize).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        var y = network.StartsWith("Classifier") ? OneHot : Enumerable.Range(0, 2 * net.OutputSize).Select(_ => random.NextDouble() * 3 - 1).ToArray();
        var report = GradientCheck.Run(net, x, y);
        report.Passed.ShouldBeTrue(report.ToString());
    }

    [Fact]
    public void UnrolledLoopedAndFloatClassifiersAgree()
    {
        var unrolled = new ClassifierUnrolled(5);
        var looped = new ClassifierLooped(5);
        var single = new ClassifierSingle(5);
        looped.Parameters.ToArray().ShouldBe(unrolled.Parameters.ToArray());
        for (int step = 0; step < 20; step++)
        {
            double a = unrolled.TrainStep(X, OneHot, 0.1), b = looped.TrainStep(X, OneHot, 0.1);
            float c = single.TrainStep(X.Select(v => (float)v).ToArray(), OneHot.Select(v => (float)v).ToArray(), 0.1f);
            b.ShouldBe(a, 1e-12 * (1 + a));
            ((double)c).ShouldBe(a, 1e-4 * (1 + a));
        }

        for (int i = 0; i < ClassifierUnrolled.ParameterCount; i++)
        {
            looped.Parameters[i].ShouldBe(unrolled.Parameters[i], 1e-12);
        }

        unrolled.Evaluate(X, OneHot).ShouldBeLessThan(0.5 * Math.Log(3) , "20 steps learn something about two samples");
    }

    [Fact]
    public void ExplainShowsTheSoftmaxAndPMinusYOverB()
    {
        var net = new ClassifierUnrolled(1);
        var d = net.Explain(X[..4], OneHot[..3], 0.1);
        string text = d.ToText();
        text.ShouldContain("p[1] = exp(ŷ[1])/(exp(ŷ[0]) + exp(ŷ[1]) + exp(ŷ[2])) = ");
        text.ShouldContain("dL/dŷ[1] = (p[1] − y[1])/B = (");
        d["dL/dŷ[1]"].ShouldBe(d["p[1]"] - 1, 1e-15);
        d.Loss.ShouldBe(-Math.Log(d["p[1]"]), 1e-14);
        d.Check($"dL/dyhat[0] = {d["p[0]"]}, dL/dyhat[1] = {d["p[1]"]}").Values.Count(v => !v.Agrees).ShouldBe(1, "the sign error at class 1 is found");
        new BinaryNet(1).Explain(X[..3], [1.0, 0.0], 0.1).ToText().ShouldContain("(σ(ŷ[0]) − y[0])/2");
        new HuberNet(1).Explain(X[..3], [3.0, 0.0], 0.1).ToText().ShouldContain("Huber (δ = 0.5) loss");
    }

    [Fact]
    public void OneHotRowsSoftmaxAndPredictions()
    {
        var rows = new double[9];
        Classification.OneHot<double>([2, 0, 1], 3, rows);
        rows.ShouldBe([0.0, 0, 1, 1, 0, 0, 0, 1, 0]);
        var untouched = new double[6];
        Should.Throw<ArgumentOutOfRangeException>(() => Classification.OneHot<double>([1, 3], 3, untouched));
        untouched.ShouldAllBe(v => v == 0, "nothing written");

        var p = new double[6];
        Classification.Softmax<double>([1000.0, 1001.0, 999.0, 0.0, 0.0, 0.0], p, 3);
        p[..3].Sum().ShouldBe(1, 1e-15);
        p[1].ShouldBe(Math.Exp(1) / (Math.Exp(1) + 1 + Math.Exp(-1)), 1e-15);
        p[3..].ShouldAllBe(v => Math.Abs(v - 1.0 / 3) < 1e-15);

        var net = new ClassifierLooped(2);
        var probabilities = new double[3];
        net.PredictProbabilities(X[..4], probabilities);
        probabilities.Sum().ShouldBe(1, 1e-15);
        net.PredictClass(X[..4]).ShouldBe(Array.IndexOf(probabilities, probabilities.Max()));
        net.Accuracy(X, [net.PredictClass(X[..4]), net.PredictClass(X[4..])]).ShouldBe(1);
    }

    [Fact]
    public void LossesMeanIsWhatEvaluateReturnsFromTheOutputs()
    {
        var random = new Random(6);
        foreach (IResidualNetwork<double> net in new IResidualNetwork<double>[] { new ClassifierLooped(1), new BinaryNet(1), new HuberNet(1), new MixedLooped(1), new SeedNet(1) })
        {
            var x = Enumerable.Range(0, 5 * net.InputSize).Select(_ => random.NextDouble() * 2 - 1).ToArray();
            var y = Enumerable.Range(0, 5 * net.OutputSize).Select(_ => random.NextDouble() * 3 - 1).ToArray();
            var outputs = new double[y.Length];
            net.Forward(x, outputs);
            Losses.Mean<double>(net.Architecture, outputs, y).ShouldBe(net.Evaluate(x, y), 1e-14, net.Architecture.Loss.ToString());
        }
    }

    /// <summary>Networks of every loss, with one and with several outputs where the loss allows both.</summary>
    private static readonly Dictionary<Loss, Func<IResidualNetwork<float>>[]> EveryLoss = new()
    {
        [Loss.L1] = [() => new SeedNetSingle(1), () => new WideNetSingle(1)],
        [Loss.MSE] = [() => new MixedSingle(1)],
        [Loss.Huber] = [() => new HuberSingle(1)],
        [Loss.BinaryCrossEntropy] = [() => new YesNoNet(1), () => new MultiLabelSingle(1)],
        [Loss.CrossEntropy] = [() => new ClassifierSingle(1)],
    };

    public static TheoryData<Loss> AllLosses => new(Enum.GetValues<Loss>());

    [Theory]
    [MemberData(nameof(AllLosses))]
    public void EveryHelperAnswersByTheLoss(Loss loss)
    {
        foreach (var make in EveryLoss[loss])
        {
            var net = make();
            net.Architecture.Loss.ShouldBe(loss);
            int n = net.InputSize, k = net.OutputSize;
            var random = new Random(7);
            var x = Enumerable.Range(0, 40 * n).Select(_ => (float)(random.NextDouble() * 6 - 3)).ToArray();
            var outputs = new float[40 * k];
            net.Forward(x, outputs);
            bool multiLabel = loss == Loss.BinaryCrossEntropy && k > 1, oneValue = loss is not (Loss.BinaryCrossEntropy or Loss.CrossEntropy) && k == 1;
            var probabilities = new float[k];

            if (multiLabel || oneValue)
            {
                Should.Throw<InvalidOperationException>(() => net.PredictClass(x.AsSpan(0, n))).Message.ShouldContain(multiLabel ? "multi-label" : "a value rather than a class");
                Should.Throw<InvalidOperationException>(() => net.Accuracy(x, new int[40]));
            }
            else
            {
                var classes = Enumerable.Range(0, 40).Select(s => k == 1 ? (outputs[s] >= 0 ? 1 : 0) : Classification.ArgMax<float>(outputs.AsSpan(s * k, k))).ToArray();
                Enumerable.Range(0, 40).Select(s => net.PredictClass(x.AsSpan(s * n, n))).ShouldBe(classes);
                net.Accuracy(x, classes).ShouldBe(1.0);
                net.Accuracy(x, classes.Select(c => (c + 1) % Math.Max(2, k)).ToArray()).ShouldBe(0.0);
            }

            if (loss is not (Loss.BinaryCrossEntropy or Loss.CrossEntropy))
            {
                Should.Throw<InvalidOperationException>(() => net.PredictProbabilities(x.AsSpan(0, n), probabilities)).Message.ShouldContain("needs a classifier");
                continue;
            }

            for (int s = 0; s < 40; s++)
            {
                net.PredictProbabilities(x.AsSpan(s * n, n), probabilities);
                var logits = outputs.AsSpan(s * k, k).ToArray().Select(v => (double)v).ToArray();
                var expected = loss == Loss.CrossEntropy
                    ? logits.Select(v => Math.Exp(v - logits.Max()) / logits.Sum(w => Math.Exp(w - logits.Max()))).ToArray()
                    : logits.Select(v => 1 / (1 + Math.Exp(-v))).ToArray();
                probabilities.Select(p => (double)p).ToArray().ShouldBe(expected, 1e-6);
            }
        }
    }

    [Fact]
    public void AOneOutputBinaryClassifierPredictsBothClassesWithTheirProbabilities()
    {
        var net = new YesNoNet(1);
        net.YBias[0] = -20.5f;
        net.YWeights.Clear();
        var probability = new float[1];
        net.PredictProbabilities([0.1f, 0.2f, 0.3f], probability);
        probability[0].ShouldBe(1.25e-9f, 1e-10f);
        net.PredictClass([0.1f, 0.2f, 0.3f]).ShouldBe(0);
        net.YBias[0] = 0;
        net.PredictClass([0.1f, 0.2f, 0.3f]).ShouldBe(1, "σ(0) = ½ counts as class 1");
        net.PredictProbabilities([0.1f, 0.2f, 0.3f], probability);
        probability[0].ShouldBe(0.5f);
    }

    /// <summary>Logits, the target class, and torch.nn.functional.cross_entropy's value for them in float32.</summary>
    public static TheoryData<float[], int, float> LargeLogits => new()
    {
        { [1e4f, 1e4f - 1, 0], 1, 1.31326163f },
        { [1e7f, 1e7f - 2, 0], 1, 2.1269281f },
        { [1e16f, 1e16f, 0], 0, 0.6931472f },
        { [-1e16f, -1e16f, 0], 0, 1e16f },
    };

    [Theory]
    [MemberData(nameof(LargeLogits))]
    public void CrossEntropyOfLargeLogitsIsAsStableAsPyTorchs(float[] logits, int label, float torch)
    {
        var y = new float[3];
        y[label] = 1;
        Losses.CrossEntropy<float>(logits, y, 3).ShouldBe(torch, Math.Abs(torch) * 1e-6f);
        var gradient = new float[3];
        Losses.CrossEntropy<float>(logits, y, 3, 1f, gradient).ShouldBe(torch, Math.Abs(torch) * 1e-6f);

        // Through both code styles: zero weights, the logits as y's bias.
        foreach (var net in new IResidualNetwork<float>[] { new ClassifierSingle(1), new ClassifierSingleUnrolled(1) })
        {
            var block = net.Blocks.Single(b => b.Name == "y.b");
            net.Blocks.Where(b => b.Name is "y.W").Single().Of(net.Parameters).Clear();
            logits.CopyTo(block.Of(net.Parameters));
            net.Evaluate([0.1f, 0.2f, 0.3f, 0.4f], y).ShouldBe(torch, Math.Abs(torch) * 1e-6f, net.GetType().Name);
        }

        Losses.CrossEntropy<double>(logits.Select(v => (double)v).ToArray(), y.Select(v => (double)v).ToArray(), 3).ShouldBe(torch, Math.Abs(torch) * 1e-6);
    }
}
