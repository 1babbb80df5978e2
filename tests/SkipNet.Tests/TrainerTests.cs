namespace SkipNet.Tests;

/// <summary>The training loop: it learns, repeats itself for a seed, stops early with the best weights, cancels, and allocates nothing per batch.</summary>
public class TrainerTests
{
    /// <summary>Three noisy blobs at 0°, 120° and 240°, radius 2: points and their class labels.</summary>
    private static (double[] X, int[] Labels) Blobs(int samples, int seed)
    {
        var random = new Random(seed);
        var x = new double[samples * 2];
        var labels = new int[samples];
        for (int s = 0; s < samples; s++)
        {
            int c = random.Next(3);
            double angle = c * 2 * Math.PI / 3;
            x[2 * s] = 2 * Math.Cos(angle) + Gaussian(random) * 0.6;
            x[2 * s + 1] = 2 * Math.Sin(angle) + Gaussian(random) * 0.6;
            labels[s] = c;
        }

        return (x, labels);
    }

    private static double Gaussian(Random random) => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private sealed class Recorder(Action<EpochReport>? also = null) : IProgress<EpochReport>
    {
        public List<EpochReport> Reports { get; } = [];

        public void Report(EpochReport value)
        {
            Reports.Add(value);
            also?.Invoke(value);
        }
    }

    [Fact]
    public void ItLearnsASmallClassificationTask()
    {
        var (x, labels) = Blobs(600, 1);
        var (vx, vlabels) = Blobs(300, 2);
        var net = new ThreeClassNet(3);
        var adam = new Adam<double>(net, 0.01);
        var trainer = new Trainer<double>(net, adam, batchSize: 32) { Seed = 5, MeasureTrainingAccuracy = true, Schedule = new CosineAnnealingLR<double>(adam, maxSteps: 20) };
        var progress = new Recorder();
        var history = trainer.Fit(TrainingSet<double>.WithLabels(x, labels), epochs: 20, TrainingSet<double>.WithLabels(vx, vlabels), progress);

        history.Epochs.Count.ShouldBe(20);
        progress.Reports.ShouldBe(history.Epochs);
        history.Epochs[^1].ValidationAccuracy!.Value.ShouldBeGreaterThanOrEqualTo(0.95);
        net.Accuracy(vx, vlabels).ShouldBe(history.Epochs[^1].ValidationAccuracy!.Value);
        history.Epochs[^1].TrainingAccuracy!.Value.ShouldBeGreaterThan(0.9);
        history.Epochs[^1].TrainingLoss.ShouldBeLessThan(history.Epochs[0].TrainingLoss);
        history.Epochs.Select(e => e.LearningRate).ShouldBe(Enumerable.Range(0, 20).Select(t => 0.01 * (1 + Math.Cos(Math.PI * t / 20)) / 2), 1e-15);
        net.PredictClass(vx.AsSpan(0, 2)).ShouldBe(Classification.ArgMax<double>(Forward(net, vx.AsSpan(0, 2))));
    }

    private static double[] Forward(ThreeClassNet net, ReadOnlySpan<double> x)
    {
        var output = new double[3];
        net.Forward(x, output);
        return output;
    }

    [Fact]
    public void TheSameSeedGivesTheSameWeights()
    {
        var (x, labels) = Blobs(200, 1);
        double[] Train(int seed)
        {
            var net = new ThreeClassNet(3);
            new Trainer<double>(net, new Adam<double>(net, 0.01), batchSize: 24) { Seed = seed }.Fit(TrainingSet<double>.WithLabels(x, labels), epochs: 3);
            return net.Parameters.ToArray();
        }

        Train(7).ShouldBe(Train(7));
        Train(7).ShouldNotBe(Train(8), "another seed, another order");
    }

    [Fact]
    public void EarlyStoppingRestoresTheBestWeights()
    {
        // Validation labels are the training labels turned by one class: the better the network
        // learns, the worse it does on them, so the best epoch is the first.
        var (x, labels) = Blobs(300, 1);
        var turned = labels.Select(l => (l + 1) % 3).ToArray();
        var net = new ThreeClassNet(3);
        var weights = new List<double[]>();
        var progress = new Recorder(_ => weights.Add(net.Parameters.ToArray()));
        var trainer = new Trainer<double>(net, new Adam<double>(net, 0.02), batchSize: 32) { Patience = 2 };
        var history = trainer.Fit(TrainingSet<double>.WithLabels(x, labels), epochs: 30, TrainingSet<double>.WithLabels(x, turned), progress);

        history.StoppedEarly.ShouldBeTrue();
        history.Epochs.Count.ShouldBe(history.BestEpoch + 2);
        history.RestoredBest.ShouldBeTrue();
        net.Parameters.ToArray().ShouldBe(weights[history.BestEpoch - 1]);
        history.Epochs.Min(e => e.ValidationLoss!.Value).ShouldBe(history.Epochs[history.BestEpoch - 1].ValidationLoss!.Value);
    }

    [Fact]
    public void CancellationStopsBetweenBatches()
    {
        var (x, labels) = Blobs(200, 1);
        var net = new ThreeClassNet(3);
        using var cancel = new CancellationTokenSource();
        var progress = new Recorder(r => { if (r.Epoch == 2) cancel.Cancel(); });
        Should.Throw<OperationCanceledException>(() =>
            new Trainer<double>(net, new Sgd<double>(net, 0.1)).Fit(TrainingSet<double>.WithLabels(x, labels), epochs: 10, progress: progress, cancellationToken: cancel.Token));
        progress.Reports.Count.ShouldBe(2);
    }

    [Fact]
    public void NothingIsAllocatedPerBatch()
    {
        // Two data sets, ten times apart: the allocations differ by the larger shuffle order and nothing else.
        long Allocated(int samples)
        {
            var (x, labels) = Blobs(samples, 1);
            var net = new ThreeClassNet(3);
            var trainer = new Trainer<double>(net, new Adam<double>(net, 0.01), batchSize: 8);
            var set = TrainingSet<double>.WithLabels(x, labels);
            trainer.Fit(set, epochs: 1); // warm up
            long before = GC.GetAllocatedBytesForCurrentThread();
            trainer.Fit(set, epochs: 1);
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }

        long small = Allocated(400), large = Allocated(4000);
        (large - small).ShouldBeInRange(3600 * sizeof(int), 3600 * sizeof(int) + 256, "450 more batches allocate nothing");
    }

    [Fact]
    public void SetsThatDoNotFitTheNetworkAreRefused()
    {
        var net = new ThreeClassNet(3);
        var trainer = new Trainer<double>(net, new Adam<double>(net, 0.01));
        Should.Throw<ArgumentException>(() => trainer.Fit(TrainingSet<double>.WithLabels(new double[6], new int[2]), 1)).Message.ShouldContain("Expected 3 labels");
        Should.Throw<ArgumentOutOfRangeException>(() => trainer.Fit(TrainingSet<double>.WithLabels(new double[4], new[] { 0, 3 }), 1));
        Should.Throw<ArgumentException>(() => trainer.Fit(TrainingSet<double>.WithTargets(new double[4], new double[5]), 1));
        Should.Throw<ArgumentException>(() => new Trainer<double>(net, new Adam<double>(new ThreeClassNet(1), 0.01))).Message.ShouldContain("another network");
        var mse = new MixedLooped(1);
        Should.Throw<ArgumentException>(() => new Trainer<double>(mse, new Sgd<double>(mse, 0.1)).Fit(TrainingSet<double>.WithLabels(new double[3], new[] { 0 }), 1)).Message.ShouldContain("Class labels need");
    }

    [Fact]
    public void SettingsOutOfRangeAreRefusedBeforeAnythingTrains()
    {
        var net = new ThreeClassNet(1);
        var adam = new Adam<double>(net, 0.01);
        var before = net.Parameters.ToArray();
        Should.Throw<ArgumentOutOfRangeException>(() => new Trainer<double>(net, adam) { MinimumImprovement = -0.1 }).ParamName.ShouldBe("MinimumImprovement");
        Should.Throw<ArgumentOutOfRangeException>(() => new Trainer<double>(net, adam) { MinimumImprovement = double.NaN });
        Should.Throw<ArgumentOutOfRangeException>(() => new Trainer<double>(net, adam) { MinimumImprovement = double.PositiveInfinity });
        Should.Throw<ArgumentOutOfRangeException>(() => new Trainer<double>(net, adam) { Patience = -1 }).ParamName.ShouldBe("Patience");
        var otherAdam = new Adam<double>(net, 0.01);
        Should.Throw<ArgumentException>(() => new Trainer<double>(net, adam) { Schedule = new CosineAnnealingLR<double>(otherAdam, 5) })
            .Message.ShouldContain("another optimizer");
        net.Parameters.ToArray().ShouldBe(before);

        // Patience 0 stops at the first epoch that does not improve, as Keras' patience=0 does.
        var (x, labels) = Blobs(60, 1);
        var history = new Trainer<double>(net, new Sgd<double>(net, 0)) { Patience = 0 }.Fit(TrainingSet<double>.WithLabels(x, labels), epochs: 5);
        history.Epochs.Count.ShouldBe(2);
        history.StoppedEarly.ShouldBeTrue();
    }
}
