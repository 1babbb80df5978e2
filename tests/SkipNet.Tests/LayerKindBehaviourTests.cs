using System.Text.Json;

namespace SkipNet.Tests;

/// <summary>
/// What LayerNorm and Dropout promise a user beyond exact gradients (those are LayerKindTests'):
/// dropout's train and eval modes, its mask's statistics and reproducibility, and that both kinds
/// are saved, checkpointed and written for PyTorch as PyTorch's own modules.
/// </summary>
public class LayerKindBehaviourTests
{
    [Fact]
    public void DropoutIsTheIdentityInForwardAndEvaluateAndDrawsNothing()
    {
        var net = new DropoutOnly(4);
        var random = new Random(1);
        var x = Enumerable.Range(0, 3 * 1000).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        var y = Enumerable.Range(0, 3 * 1000).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        ulong state = net.RandomState;
        var output = new double[x.Length];
        net.Forward(x, output);
        output.ShouldBe(x);
        net.Evaluate(x, y).ShouldBe(x.Zip(y, (a, b) => (a - b) * (a - b)).Sum() / x.Length, 1e-15);
        net.RandomState.ShouldBe(state, "Forward and Evaluate draw no mask");
    }

    [Fact]
    public void DropoutZeroesAFractionPOfTheValuesAndScalesTheRestByOneOverOneMinusP()
    {
        // x = 1 and W = 1: ŷ = Σ m_i, and dL/dW_i = 2·ŷ·m_i for MSE on one output with target 0.
        var net = new DropoutProbe(11);
        var x = Enumerable.Repeat(1.0, 1000).ToArray();
        double scale = 1 / (1 - 0.3);
        int zeros = 0, draws = 0;
        for (int call = 0; call < 20; call++)
        {
            net.YWeights.Fill(1);
            net.YBias.Clear();
            net.ZeroGradients();
            double loss = net.Backward(x, [0.0]);
            var gradient = net.YWeightsGradient.ToArray();
            int kept = gradient.Count(g => g != 0);
            double yhat = kept * scale;
            loss.ShouldBe(yhat * yhat, 1e-9 * yhat * yhat);
            gradient.Where(g => g != 0).ShouldAllBe(g => Math.Abs(g - 2 * yhat * scale) <= 1e-12 * g);
            zeros += 1000 - kept;
            draws += 1000;
        }

        // 20,000 draws with p = 0.3: the fraction zeroed is within five standard deviations (±0.016).
        ((double)zeros / draws).ShouldBe(0.3, 5 * Math.Sqrt(0.3 * 0.7 / draws));
    }

    [Fact]
    public void DropoutWithPZeroIsExactlyTheIdentityInTrainingCalls()
    {
        var net = new DropoutZero();
        var random = new Random(2);
        var x = Enumerable.Range(0, 4 * 50).Select(_ => random.NextDouble()).ToArray();
        var y = Enumerable.Range(0, 4 * 50).Select(_ => random.NextDouble()).ToArray();
        ulong state = net.RandomState;
        net.Backward(x, y).ShouldBe(net.Evaluate(x, y));
        net.RandomState.ShouldBe(state, "p = 0 draws nothing");
    }

    [Fact]
    public void TheSameSeedGivesTheSameMasksAndRandomStateRepeatsThem()
    {
        var (x, y) = Batch(new NormNet(), 8, seed: 3);
        double[] Losses(NormNet net) => Enumerable.Range(0, 5).Select(_ => net.TrainStep(x, y, 0.01)).ToArray();

        var first = new NormNet(5);
        var second = new NormNet(5);
        Losses(first).ShouldBe(Losses(second));
        first.Parameters.ToArray().ShouldBe(second.Parameters.ToArray());
        Losses(new NormNet(6)).ShouldNotBe(Losses(new NormNet(5)), "another seed, other weights and masks");

        // Setting RandomState back repeats the masks: the same loss and gradients.
        var net = new NormNet(7);
        ulong state = net.RandomState;
        double a = net.Backward(x, y);
        var gradients = net.Gradients.ToArray();
        net.ZeroGradients();
        double b = net.Backward(x, y);
        b.ShouldNotBe(a, "the next call draws other masks");
        net.RandomState = state;
        net.ZeroGradients();
        net.Backward(x, y).ShouldBe(a);
        net.Gradients.ToArray().ShouldBe(gradients);

        // Initialize(seed) starts the seed's stream again, as the constructor does.
        net.Initialize(7);
        net.RandomState.ShouldBe(new NormNet(7).RandomState);
        new NormNet(7).RandomState.ShouldNotBe(new NormNet(8).RandomState);
    }

    [Fact]
    public void ACloneDrawsTheSameMasksAndThenItsOwn()
    {
        var (x, y) = Batch(new NormNet(), 4, seed: 4);
        var net = new NormNet(9);
        var copy = net.Clone();
        net.Backward(x, y).ShouldBe(copy.Backward(x, y));
        net.RandomState.ShouldBe(copy.RandomState);
        net.Backward(x, y);
        net.RandomState.ShouldNotBe(copy.RandomState, "the copy's generator is its own");
    }

    [Fact]
    public async Task SettingRandomStateDuringATrainingCallThrowsAndChangesNothing()
    {
        var net = new NormNet(1);
        var (x, y) = Batch(net, 20_000, seed: 5);
        using var started = new ManualResetEventSlim();
        var training = Task.Run(() =>
        {
            started.Set();
            return net.Backward(x, y);
        });
        started.Wait();
        bool refused = false;
        while (!training.IsCompleted)
        {
            ulong before = net.RandomState;
            try
            {
                net.RandomState = 42;
            }
            catch (InvalidOperationException)
            {
                refused = true;
                net.RandomState.ShouldNotBe(42UL);
                break;
            }

            net.RandomState = before; // the call had not started or had ended: put it back
        }

        await training;
        refused.ShouldBeTrue("a set during the 20,000-sample Backward is refused");
    }

    [Fact]
    public void LayerNormIsPyTorchsFormula()
    {
        // nn.LayerNorm over each sample's features: γ⊙(h − μ)/√(σ² + ε) + β with the biased variance.
        var net = new LayerNormOnly();
        net.NWeights.ToArray().ShouldAllBe(g => g == 1, "γ starts at 1");
        net.NBias.ToArray().ShouldAllBe(b => b == 0, "β starts at 0");
        var random = new Random(6);
        for (int i = 0; i < 24; i++)
        {
            net.NWeights[i] = random.NextDouble() * 2;
            net.NBias[i] = random.NextDouble() - 0.5;
        }

        var x = Enumerable.Range(0, 3 * 24).Select(_ => random.NextDouble() * 10 - 3).ToArray();
        var output = new double[x.Length];
        net.Forward(x, output);
        for (int s = 0; s < 3; s++)
        {
            var h = x.AsSpan(s * 24, 24).ToArray();
            double mean = h.Average(), variance = h.Select(v => (v - mean) * (v - mean)).Average();
            for (int i = 0; i < 24; i++)
            {
                double expected = net.NWeights[i] * (h[i] - mean) / Math.Sqrt(variance + 1e-3) + net.NBias[i];
                output[s * 24 + i].ShouldBe(expected, 1e-13, $"sample {s}, feature {i}");
            }
        }
    }

    [Fact]
    public void WeightsAreSavedAsPyTorchsModulesHoldThem()
    {
        var net = new NormNetSingle(3);
        var stream = new MemoryStream();
        net.SaveWeights(stream, WeightNames.PyTorch);
        var bytes = stream.ToArray();
        long length = BitConverter.ToInt64(bytes, 0);
        using var header = JsonDocument.Parse(bytes.AsMemory(8, (int)length));
        var root = header.RootElement;
        int[] Shape(string name) => root.GetProperty(name).GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        Shape("n1.weight").ShouldBe([24], "nn.LayerNorm's weight (γ) is 1-D");
        Shape("n1.bias").ShouldBe([24]);
        Shape("h1.weight").ShouldBe([24, 24]);
        root.TryGetProperty("d1.weight", out _).ShouldBeFalse("dropout has no parameters");

        var loaded = new NormNetSingle(4);
        loaded.LoadWeights(new MemoryStream(bytes));
        loaded.Parameters.ToArray().ShouldBe(net.Parameters.ToArray());
        Should.Throw<InvalidDataException>(() => new ClassifierSingle().LoadWeights(new MemoryStream(bytes)));
    }

    [Fact]
    public void TheArchitectureAndThePyTorchModuleNameEveryKind()
    {
        var layers = NormNet.Architecture.Layers;
        layers.Select(l => l.Kind).ShouldBe([LayerKind.Dense, LayerKind.LayerNorm, LayerKind.Dense, LayerKind.Dropout, LayerKind.Dense, LayerKind.LayerNorm, LayerKind.Dropout, LayerKind.Dense]);
        layers.Single(l => l.Name == "n2").Epsilon.ShouldBe(1e-3);
        layers.Single(l => l.Name == "d1").P.ShouldBe(0.25);
        layers.Single(l => l.Name == "n1").Width.ShouldBe(24);
        NormNet.Architecture.InputsOf("n2").Select(i => (i.From, i.Matrix)).ShouldBe([("h2", (string?)null)]);

        string module = NormNet.Architecture.ToPyTorch();
        module.ShouldContain("self.n1 = nn.LayerNorm(24, eps=1e-05)");
        module.ShouldContain("self.n2 = nn.LayerNorm(24, eps=0.001)");
        module.ShouldContain("self.d1 = nn.Dropout(p=0.25)");
        module.ShouldContain("n2 = F.silu(self.n2(h2))");
        module.ShouldContain("d2 = self.d2(n2)");
    }

    [Fact]
    public void ACheckpointCarriesTheDropoutMasksOn()
    {
        var (x, y) = Batch(new NormNet(), 16, seed: 7);
        var net = new NormNet(3);
        var adam = new Adam<double>(net, 0.01);
        for (int i = 0; i < 3; i++)
        {
            net.TrainStep(x, y, adam);
        }

        var file = new MemoryStream();
        Checkpoint.Save(file, adam);
        var expected = Enumerable.Range(0, 3).Select(_ => net.TrainStep(x, y, adam)).ToArray();

        var resumed = new NormNet(99);
        var again = new Adam<double>(resumed, 0.01);
        Checkpoint.Load(new MemoryStream(file.ToArray()), again);
        Enumerable.Range(0, 3).Select(_ => resumed.TrainStep(x, y, again)).ToArray().ShouldBe(expected);
        resumed.Parameters.ToArray().ShouldBe(net.Parameters.ToArray());
    }

    private static (double[] X, double[] Y) Batch(NormNet shape, int samples, int seed)
    {
        var random = new Random(seed);
        var x = Enumerable.Range(0, samples * NormNet.InputSize).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        var y = new double[samples * NormNet.OutputSize];
        for (int s = 0; s < samples; s++)
        {
            y[s * NormNet.OutputSize + random.Next(NormNet.OutputSize)] = 1;
        }

        _ = shape;
        return (x, y);
    }
}
