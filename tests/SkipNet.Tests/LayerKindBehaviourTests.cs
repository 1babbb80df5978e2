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
    public async Task SettingRandomStateDuringATrainingCallThrows()
    {
        var net = new NormNet(1);
        var (x, y) = Batch(net, 20_000, seed: 5);
        bool refused = false;
        for (int attempt = 0; attempt < 10 && !refused; attempt++) // a busy machine may finish a call before this thread looks
        {
            ulong start = net.RandomState;
            var training = Task.Run(() => net.Backward(x, y));

            // The state moves once the call draws its first chunk's masks: from then on it holds the guard.
            while (net.RandomState == start && !training.IsCompleted)
            {
                Thread.Yield();
            }

            if (!training.IsCompleted)
            {
                try
                {
                    net.RandomState = 42;
                }
                catch (InvalidOperationException)
                {
                    refused = true;
                }
            }

            await training;
        }

        refused.ShouldBeTrue("a set during a 20,000-sample Backward (625 chunks) is refused");
        net.RandomState.ShouldNotBe(42UL);
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
    public void BatchNormIsPyTorchsTrainAndEvalModesWithItsRunningStatistics()
    {
        // nn.BatchNorm1d(5, eps=1e-3, momentum=0.2): train mode normalizes with the batch's mean and biased
        // variance and moves the running statistics toward the batch's (the variance unbiased, n/(n − 1));
        // eval mode normalizes with the running statistics.
        var net = new BatchNormOnly();
        var random = new Random(8);
        for (int i = 0; i < 5; i++)
        {
            net.BnWeights[i] = random.NextDouble() * 2;
            net.BnBias[i] = random.NextDouble() - 0.5;
        }

        double[] mean = new double[5], variance = Enumerable.Repeat(1.0, 5).ToArray();
        net.Buffers.ToArray().ShouldBe([.. mean, .. variance], "running mean 0 and variance 1 at start");
        for (int call = 1; call <= 3; call++)
        {
            int n = 2 + call;
            var x = Enumerable.Range(0, n * 5).Select(_ => random.NextDouble() * 6 - 2).ToArray();
            var y = Enumerable.Range(0, n * 5).Select(_ => random.NextDouble()).ToArray();
            double expectedLoss = 0;
            for (int c = 0; c < 5; c++)
            {
                var column = Enumerable.Range(0, n).Select(s => x[s * 5 + c]).ToArray();
                double mu = column.Average(), biased = column.Select(v => (v - mu) * (v - mu)).Average();
                for (int s = 0; s < n; s++)
                {
                    double z = net.BnWeights[c] * (column[s] - mu) / Math.Sqrt(biased + 1e-3) + net.BnBias[c];
                    expectedLoss += (z - y[s * 5 + c]) * (z - y[s * 5 + c]);
                }

                mean[c] = 0.8 * mean[c] + 0.2 * mu;
                variance[c] = 0.8 * variance[c] + 0.2 * biased * n / (n - 1);
            }

            net.Backward(x, y).ShouldBe(expectedLoss / (n * 5), 1e-13, $"call {call}: the train-mode loss");
            net.Buffers[..5].ToArray().ShouldBe(mean, 1e-14, $"call {call}: running_mean");
            net.Buffers[5..].ToArray().ShouldBe(variance, 1e-14, $"call {call}: running_var");
            net.BatchesTracked[0].ShouldBe(call);
        }

        var sample = Enumerable.Range(0, 5).Select(_ => random.NextDouble()).ToArray();
        var output = new double[5];
        net.Forward(sample, output);
        for (int c = 0; c < 5; c++)
        {
            output[c].ShouldBe(net.BnWeights[c] * (sample[c] - mean[c]) / Math.Sqrt(variance[c] + 1e-3) + net.BnBias[c], 1e-13, $"eval mode, feature {c}");
        }
    }

    [Fact]
    public void ABatchNormTrainingCallOnOneSampleIsRefusedAndChangesNothing()
    {
        var net = new BatchNormNet(1);
        var before = (net.Parameters.ToArray(), net.Buffers.ToArray(), net.BatchesTracked.ToArray());
        var error = Should.Throw<ArgumentException>(() => net.TrainStep(new float[6], new float[3], 0.1f));
        error.Message.ShouldContain("BatchNorm 'bn0'");
        error.Message.ShouldContain("at least 2 samples");
        net.Parameters.ToArray().ShouldBe(before.Item1);
        net.Buffers.ToArray().ShouldBe(before.Item2);
        net.BatchesTracked.ToArray().ShouldBe(before.Item3);

        // The trainer says so before its first step: 7 samples in batches of 3 leave a last batch of 1.
        var set = TrainingSet<float>.WithLabels(new float[7 * 6], new int[7]);
        var trainer = new Trainer<float>(net, new Adam<float>(net, 1e-3f), batchSize: 3);
        Should.Throw<ArgumentException>(() => trainer.Fit(set, epochs: 1)).Message.ShouldContain("last batch of 1");
        net.Parameters.ToArray().ShouldBe(before.Item1);
        trainer = new Trainer<float>(net, new Adam<float>(net, 1e-3f), batchSize: 4);
        trainer.Fit(set, epochs: 2).Epochs.Count.ShouldBe(2);
        net.BatchesTracked.ToArray().ShouldBe([4L, 4L], "two batches an epoch, two epochs");
    }

    [Fact]
    public void BuffersAreSavedCheckpointedAndCopiedWithTheWeights()
    {
        var net = new BatchNormNet(2);
        var random = new Random(9);
        var x = Enumerable.Range(0, 8 * 6).Select(_ => (float)random.NextDouble()).ToArray();
        var y = new float[8 * 3];
        for (int s = 0; s < 8; s++)
        {
            y[s * 3 + random.Next(3)] = 1;
        }

        var adam = new Adam<float>(net, 0.01f);
        for (int i = 0; i < 3; i++)
        {
            net.TrainStep(x, y, adam);
        }

        // PyTorch's state_dict names and shapes: running statistics 1-D, num_batches_tracked an I64 scalar.
        var stream = new MemoryStream();
        net.SaveWeights(stream, WeightNames.PyTorch);
        var bytes = stream.ToArray();
        using (var header = JsonDocument.Parse(bytes.AsMemory(8, (int)BitConverter.ToInt64(bytes, 0))))
        {
            var root = header.RootElement;
            root.GetProperty("bn0.running_mean").GetProperty("shape").GetArrayLength().ShouldBe(1);
            root.GetProperty("bn1.running_var").GetProperty("dtype").GetString().ShouldBe("F32");
            var count = root.GetProperty("bn0.num_batches_tracked");
            count.GetProperty("dtype").GetString().ShouldBe("I64");
            count.GetProperty("shape").GetArrayLength().ShouldBe(0);
        }

        var loaded = new BatchNormNet(5);
        loaded.LoadWeights(new MemoryStream(bytes));
        loaded.Parameters.ToArray().ShouldBe(net.Parameters.ToArray());
        loaded.Buffers.ToArray().ShouldBe(net.Buffers.ToArray());
        loaded.BatchesTracked.ToArray().ShouldBe([3L, 3L]);

        // A checkpoint resumes with the same running statistics: the same steps after it.
        var file = new MemoryStream();
        Checkpoint.Save(file, adam);
        var expected = Enumerable.Range(0, 2).Select(_ => net.TrainStep(x, y, adam)).ToArray();
        var resumed = new BatchNormNet(6);
        var again = new Adam<float>(resumed, 0.01f);
        Checkpoint.Load(new MemoryStream(file.ToArray()), again);
        Enumerable.Range(0, 2).Select(_ => resumed.TrainStep(x, y, again)).ToArray().ShouldBe(expected);
        resumed.Buffers.ToArray().ShouldBe(net.Buffers.ToArray());

        // A copy has its own; Initialize sets them back to the start.
        var copy = net.Clone();
        copy.Buffers.ToArray().ShouldBe(net.Buffers.ToArray());
        copy.TrainStep(x, y, 0.01f);
        copy.Buffers.ToArray().ShouldNotBe(net.Buffers.ToArray());
        net.Initialize(2);
        net.Buffers.ToArray().ShouldBe(new BatchNormNet(2).Buffers.ToArray());
        net.BatchesTracked.ToArray().ShouldBe([0L, 0L]);

        // A negative variance in a file is refused, and nothing changes.
        var tampered = bytes.ToArray();
        Should.Throw<InvalidDataException>(() => new BatchNormNet(7).LoadWeights(new MemoryStream(Negate(tampered, net, "bn0.running_var"))))
            .Message.ShouldContain("variance");
    }

    /// <summary>The file with the first value of tensor <paramref name="name"/> made negative.</summary>
    private static byte[] Negate(byte[] file, BatchNormNet shape, string name)
    {
        long length = BitConverter.ToInt64(file, 0);
        using var header = JsonDocument.Parse(file.AsMemory(8, (int)length));
        long begin = header.RootElement.GetProperty(name).GetProperty("data_offsets")[0].GetInt64();
        int at = (int)(8 + length + begin);
        BitConverter.GetBytes(-1f).CopyTo(file, at);
        _ = shape;
        return file;
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

        BatchNormNet.Architecture.ToPyTorch().ShouldContain("self.bn0 = nn.BatchNorm1d(16, eps=1e-05, momentum=0.1)");
        BatchNormNet.Architecture.Buffers.Select(b => b.Name).ShouldBe(["bn0.running_mean", "bn0.running_var", "bn1.running_mean", "bn1.running_var"]);
        BatchNormNet.Architecture.BatchNormLayers.ShouldBe(["bn0", "bn1"]);
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
