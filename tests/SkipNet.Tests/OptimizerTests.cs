namespace SkipNet.Tests;

/// <summary>
/// Sgd, Adam and AdamW against torch.optim's formulas written out here, step by step; clipping;
/// TrainStep with an optimizer equals ZeroGradients, Backward and Step bit for bit; no allocation;
/// settings checked before anything changes; and the learning-rate schedules.
/// </summary>
public class OptimizerTests
{
    private static readonly double[] X = [0.3, -0.8, 0.5, 0.9, 0.2, -0.4];
    private static readonly double[] Y = [0.2, -0.1, 0.6, 0.4];

    /// <summary>An optimizer and the same update written from the formulas (state kept here).</summary>
    public sealed record Case(string Name, Func<IResidualNetwork<double>, Optimizer<double>> Make, Func<int, Action<double[], double[], int>> Formula);

    public static TheoryData<string> Names() => new(Cases.Select(c => c.Name));

    private static readonly Case[] Cases =
    [
        new("Sgd", n => new Sgd<double>(n, 0.1), size => (p, g, t) => { for (int i = 0; i < size; i++) p[i] -= 0.1 * g[i]; }),
        new("Sgd momentum, dampening, decay", n => new Sgd<double>(n, 0.1, momentum: 0.9, dampening: 0.2, weightDecay: 0.01), size => SgdFormula(size, 0.1, 0.9, 0.2, false, 0.01)),
        new("Sgd Nesterov", n => new Sgd<double>(n, 0.05, momentum: 0.8, nesterov: true), size => SgdFormula(size, 0.05, 0.8, 0, true, 0)),
        new("Adam", n => new Adam<double>(n, 1e-3), size => AdamFormula(size, 1e-3, 0.9, 0.999, 1e-8, 0, decoupled: false)),
        new("Adam decay", n => new Adam<double>(n, 0.01, beta1: 0.8, beta2: 0.99, epsilon: 1e-6, weightDecay: 0.1), size => AdamFormula(size, 0.01, 0.8, 0.99, 1e-6, 0.1, decoupled: false)),
        new("AdamW", n => new AdamW<double>(n, 0.01), size => AdamFormula(size, 0.01, 0.9, 0.999, 1e-8, 0.01, decoupled: true)),
    ];

    /// <summary>torch.optim.SGD: g ← g + λp; b ← g at t = 1, else μb + (1 − τ)g; g ← g + μb (Nesterov) or b; p ← p − lr·g.</summary>
    private static Action<double[], double[], int> SgdFormula(int size, double lr, double mu, double tau, bool nesterov, double lambda)
    {
        var b = new double[size];
        return (p, g, t) =>
        {
            for (int i = 0; i < size; i++)
            {
                double gi = g[i] + lambda * p[i];
                b[i] = t == 1 ? gi : mu * b[i] + (1 - tau) * gi;
                gi = nesterov ? gi + mu * b[i] : b[i];
                p[i] -= lr * gi;
            }
        };
    }

    /// <summary>torch.optim.Adam(W): m ← β1m + (1 − β1)g; v ← β2v + (1 − β2)g²; p ← p − lr·m̂/(√v̂ + ε); λ in g (Adam) or p ← p(1 − lr·λ) first (AdamW).</summary>
    private static Action<double[], double[], int> AdamFormula(int size, double lr, double b1, double b2, double eps, double lambda, bool decoupled)
    {
        var m = new double[size];
        var v = new double[size];
        return (p, g, t) =>
        {
            for (int i = 0; i < size; i++)
            {
                double gi = decoupled ? g[i] : g[i] + lambda * p[i];
                if (decoupled)
                {
                    p[i] *= 1 - lr * lambda;
                }

                m[i] = b1 * m[i] + (1 - b1) * gi;
                v[i] = b2 * v[i] + (1 - b2) * gi * gi;
                double mHat = m[i] / (1 - Math.Pow(b1, t)), vHat = v[i] / (1 - Math.Pow(b2, t));
                p[i] -= lr * mHat / (Math.Sqrt(vHat) + eps);
            }
        };
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void StepsFollowTheFormulas(string name)
    {
        var c = Cases.Single(k => k.Name == name);
        var net = new MixedLooped(4);
        var optimizer = c.Make(net);
        var formula = c.Formula(MixedLooped.ParameterCount);
        var expected = net.Parameters.ToArray();
        for (int t = 1; t <= 6; t++)
        {
            net.ZeroGradients();
            net.Backward(X, Y);
            formula(expected, net.Gradients.ToArray(), t);
            optimizer.Step();
            optimizer.StepCount.ShouldBe(t);
            for (int i = 0; i < expected.Length; i++)
            {
                net.Parameters[i].ShouldBe(expected[i], 1e-14 * (1 + Math.Abs(expected[i])), $"{name}, step {t}, parameter {i}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void TrainStepIsZeroGradientsBackwardStepBitForBit(string name)
    {
        var c = Cases.Single(k => k.Name == name);
        var random = new Random(2);
        foreach (int batch in new[] { 1, 3, 70 })
        {
            foreach (var (fused, separate) in new (IResidualNetwork<double>, IResidualNetwork<double>)[] { (new MixedLooped(1), new MixedLooped(1)), (new MixedUnrolled(1), new MixedUnrolled(1)) })
            {
                var x = Enumerable.Range(0, batch * fused.InputSize).Select(_ => random.NextDouble() * 2 - 1).ToArray();
                var y = Enumerable.Range(0, batch * fused.OutputSize).Select(_ => random.NextDouble() * 2 - 1).ToArray();
                var a = c.Make(fused);
                var b = c.Make(separate);
                fused.Backward(x, y); // stale gradients the step must write over
                for (int step = 0; step < 4; step++)
                {
                    double loss = fused.TrainStep(x, y, a);
                    separate.ZeroGradients();
                    separate.Backward(x, y).ShouldBe(loss);
                    b.Step();
                    fused.Parameters.ToArray().ShouldBe(separate.Parameters.ToArray(), $"{name}, batch {batch}, step {step}");
                    fused.Gradients.ToArray().ShouldBe(separate.Gradients.ToArray());
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void TrainingWithAnOptimizerAllocatesNothing(string name)
    {
        var c = Cases.Single(k => k.Name == name);
        foreach (IResidualNetwork<double> net in new IResidualNetwork<double>[] { new WideNet(1), new MixedUnrolled(1) })
        {
            var optimizer = c.Make(net);
            var x = new double[8 * net.InputSize];
            var y = new double[8 * net.OutputSize];
            double sink = 0;
            for (int i = 0; i < 50; i++)
            {
                sink += net.TrainStep(x, y, optimizer);
            }

            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 2_000; i++)
            {
                sink += net.TrainStep(x, y, optimizer);
                optimizer.Step();
            }

            (GC.GetAllocatedBytesForCurrentThread() - before).ShouldBe(0, name);
            double.IsNaN(sink).ShouldBeFalse();
        }
    }

    [Fact]
    public void ClippingScalesTheGradientToTheMaximumNormInPlace()
    {
        var clipped = new MixedLooped(3);
        var plain = new MixedLooped(3);
        var optimizer = new Sgd<double>(clipped, 0.1, maxGradientNorm: 0.05);
        double[] y = [5.0, -5.0, 5.0, -5.0]; // far targets: a long gradient
        plain.Backward(X, y);
        double norm = Math.Sqrt(plain.Gradients.ToArray().Sum(g => g * g));
        norm.ShouldBeGreaterThan(0.05);

        clipped.TrainStep(X, y, optimizer);
        optimizer.LastGradientNorm.ShouldBe(norm, 1e-12);
        double coefficient = 0.05 / (norm + 1e-6);
        for (int i = 0; i < MixedLooped.ParameterCount; i++)
        {
            clipped.Gradients[i].ShouldBe(plain.Gradients[i] * coefficient, 1e-15, "the gradient is left clipped, as torch leaves .grad");
            clipped.Parameters[i].ShouldBe(plain.Parameters[i] - 0.1 * plain.Gradients[i] * coefficient, 1e-15);
        }

        // A short gradient is left alone (torch multiplies by the coefficient clamped to 1).
        var small = new MixedLooped(3);
        var loose = new Sgd<double>(small, 0.1, maxGradientNorm: 1e6);
        small.TrainStep(X, Y, loose);
        plain.ZeroGradients();
        plain.Backward(X, Y);
        small.Gradients.ToArray().ShouldBe(plain.Gradients.ToArray());
    }

    public static TheoryData<string> BadSettings() => new()
    {
        "lr -1", "lr NaN", "lr ∞", "beta1 1", "beta1 -0.1", "beta2 NaN", "epsilon 0", "weightDecay -1", "momentum -0.5", "dampening NaN", "maxGradientNorm 0", "maxGradientNorm ∞",
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public void BadSettingsAreRefused(string setting)
    {
        var net = new MixedLooped(1);
        Action make = setting switch
        {
            "lr -1" => () => _ = new Adam<double>(net, -1),
            "lr NaN" => () => _ = new Sgd<double>(net, double.NaN),
            "lr ∞" => () => _ = new AdamW<double>(net, double.PositiveInfinity),
            "beta1 1" => () => _ = new Adam<double>(net, 1e-3, beta1: 1),
            "beta1 -0.1" => () => _ = new AdamW<double>(net, 1e-3, beta1: -0.1),
            "beta2 NaN" => () => _ = new Adam<double>(net, 1e-3, beta2: double.NaN),
            "epsilon 0" => () => _ = new Adam<double>(net, 1e-3, epsilon: 0),
            "weightDecay -1" => () => _ = new Sgd<double>(net, 0.1, weightDecay: -1),
            "momentum -0.5" => () => _ = new Sgd<double>(net, 0.1, momentum: -0.5),
            "dampening NaN" => () => _ = new Sgd<double>(net, 0.1, momentum: 0.9, dampening: double.NaN),
            "maxGradientNorm 0" => () => _ = new Adam<double>(net, 1e-3, maxGradientNorm: 0),
            _ => () => _ = new Sgd<double>(net, 0.1, maxGradientNorm: double.PositiveInfinity),
        };
        var error = Should.Throw<ArgumentOutOfRangeException>(make);
        error.ParamName.ShouldBe(setting.Split(' ')[0] == "lr" ? "learningRate" : setting.Split(' ')[0]);
    }

    [Fact]
    public void TheDefaultsAreTorchs()
    {
        var net = new MixedLooped(1);
        var adam = new Adam<double>(net);
        (adam.LearningRate, adam.Beta1, adam.Beta2, adam.Epsilon, adam.WeightDecay, adam.MaxGradientNorm).ShouldBe((1e-3, 0.9, 0.999, 1e-8, 0.0, (double?)null));
        var adamW = new AdamW<float>(new MixedSingle(1));
        (adamW.LearningRate, adamW.WeightDecay).ShouldBe((1e-3f, 0.01));
        var sgd = new Sgd<double>(net, 0.1);
        (sgd.Momentum, sgd.Dampening, sgd.Nesterov, sgd.WeightDecay).ShouldBe((0.0, 0.0, false, 0.0));
    }

    [Fact]
    public void NesterovNeedsMomentumWithoutDampening()
    {
        var net = new MixedLooped(1);
        Should.Throw<ArgumentException>(() => new Sgd<double>(net, 0.1, nesterov: true)).Message.ShouldContain("Nesterov momentum requires");
        Should.Throw<ArgumentException>(() => new Sgd<double>(net, 0.1, momentum: 0.9, dampening: 0.1, nesterov: true));
    }

    [Fact]
    public void ALearningRateSetToNaNIsRefusedAndKept()
    {
        var adam = new Adam<double>(new MixedLooped(1), 1e-3);
        Should.Throw<ArgumentOutOfRangeException>(() => adam.LearningRate = double.NaN);
        adam.LearningRate.ShouldBe(1e-3);
        adam.LearningRate = 0.5;
        adam.LearningRate.ShouldBe(0.5);
    }

    [Fact]
    public void AnOptimizerForAnotherNetworkIsRefusedBeforeAnythingChanges()
    {
        var net = new MixedLooped(1);
        var other = new MixedLooped(2);
        var adam = new Adam<double>(other, 1e-3);
        net.Backward(X, Y);
        var parameters = net.Parameters.ToArray();
        var gradients = net.Gradients.ToArray();
        Should.Throw<ArgumentException>(() => net.TrainStep(X, Y, adam)).Message.ShouldContain("made for another network");
        Should.Throw<ArgumentException>(() => net.Step(adam));
        net.Parameters.ToArray().ShouldBe(parameters);
        net.Gradients.ToArray().ShouldBe(gradients);
        adam.StepCount.ShouldBe(0);
    }

    [Fact]
    public void SchedulesFollowTorchsClosedForms()
    {
        var adam = new Adam<double>(new MixedLooped(1), 0.1);
        var warmup = new LinearLR<double>(adam, startFactor: 0.25, totalSteps: 4);
        adam.LearningRate.ShouldBe(0.025, 1e-17, "LinearLR sets base·startFactor when made, as torch's does");
        var rates = new List<double>();
        for (int i = 0; i < 6; i++)
        {
            warmup.Step();
            rates.Add(adam.LearningRate);
        }

        rates.ShouldBe([0.04375, 0.0625, 0.08125, 0.1, 0.1, 0.1], 1e-15);

        var sgd = new Sgd<double>(new MixedLooped(1), 0.2);
        var cosine = new CosineAnnealingLR<double>(sgd, maxSteps: 10, minimumRate: 0.02);
        for (int t = 1; t <= 10; t++)
        {
            cosine.Step();
            sgd.LearningRate.ShouldBe(0.02 + (0.2 - 0.02) * (1 + Math.Cos(Math.PI * t / 10)) / 2, 1e-15);
        }

        sgd.LearningRate.ShouldBe(0.02, 1e-15);

        var combined = new Adam<double>(new MixedLooped(1), 1.0);
        var schedule = SequentialLR<double>.WarmupCosine(combined, warmupSteps: 3, totalSteps: 13, startFactor: 0.1);
        combined.LearningRate.ShouldBe(0.1, 1e-15);
        var seen = new List<double> { combined.LearningRate };
        for (int i = 0; i < 13; i++)
        {
            schedule.Step();
            seen.Add(combined.LearningRate);
        }

        seen[..4].ShouldBe([0.1, 0.4, 0.7, 1.0], 1e-15);
        seen[8].ShouldBe((1 + Math.Cos(Math.PI * 5 / 10)) / 2, 1e-15);
        seen[13].ShouldBe(0, 1e-15);
    }

    [Fact]
    public void SchedulesMadeByHandForSequentialLRShareTheInitialRateAsInTorch()
    {
        // torch.optim: LinearLR(opt, 0.1, 1.0, total_iters=2), CosineAnnealingLR(opt, T_max=4), SequentialLR(opt, [both], milestones=[2]).
        var adam = new Adam<double>(new MixedLooped(1), 1.0);
        var warmup = new LinearLR<double>(adam, startFactor: 0.1, totalSteps: 2);
        var cosine = new CosineAnnealingLR<double>(adam, maxSteps: 4);
        var sequence = new SequentialLR<double>(adam, [warmup, cosine], [2]);
        cosine.BaseRate.ShouldBe(1.0);
        var seen = new List<double> { adam.LearningRate };
        for (int i = 0; i < 5; i++)
        {
            sequence.Step();
            seen.Add(adam.LearningRate);
        }

        seen.ShouldBe([0.1, 0.55, 1, (1 + Math.Cos(Math.PI / 4)) / 2, 0.5, (1 + Math.Cos(Math.PI * 3 / 4)) / 2], 1e-15);
        seen[3].ShouldBe(0.8535533905932737, 1e-15);

        // A SequentialLR inside another keeps the same base rate.
        var sgd = new Sgd<double>(new MixedLooped(1), 2.0);
        var inner = SequentialLR<double>.WarmupCosine(sgd, warmupSteps: 2, totalSteps: 4, startFactor: 0.5);
        var tail = new LinearLR<double>(sgd, startFactor: 0.25, endFactor: 0.25, totalSteps: 1);
        var outer = new SequentialLR<double>(sgd, [inner, tail], [4]);
        var rates = new List<double> { sgd.LearningRate };
        for (int i = 0; i < 5; i++)
        {
            outer.Step();
            rates.Add(sgd.LearningRate);
        }

        rates.ShouldBe([1.0, 1.5, 2.0, 1.0, 0.5, 0.5], 1e-15);
    }

    [Fact]
    public void UpdateRefusesTheParametersOfAnotherNetworkOfTheSameLength()
    {
        var net = new MixedLooped(1);
        var other = new MixedLooped(2);
        var adam = new Adam<double>(net, 1e-3);
        other.Backward(X, Y);
        var parameters = other.Parameters.ToArray();
        var gradients = other.Gradients.ToArray();
        var otherGradients = new double[MixedLooped.ParameterCount];
        other.Gradients.CopyTo(otherGradients);

        Should.Throw<ArgumentException>(() => adam.Update(other.Parameters, otherGradients)).Message.ShouldContain("not those of the network this optimizer was made for");
        Should.Throw<ArgumentException>(() => adam.Update(other.Parameters, other.Gradients.ToArray()));
        other.Parameters.ToArray().ShouldBe(parameters);
        adam.StepCount.ShouldBe(0);
        adam.FirstMoment.ToArray().ShouldAllBe(m => m == 0);
        other.Gradients.ToArray().ShouldBe(gradients);

        // Its own parameters with gradients from elsewhere (accumulated, averaged) are an update like any.
        adam.Update(net.Parameters, otherGradients);
        adam.StepCount.ShouldBe(1);
    }
}
