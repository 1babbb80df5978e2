namespace SkipNet.Tests;

/// <summary>Checkpoints: training resumed from one continues bit for bit, with each optimizer, a schedule and the trainer; a mismatched one is refused.</summary>
public sealed class CheckpointTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("skipnet-checkpoint-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string File(string name) => Path.Combine(_directory, name);

    public static TheoryData<string> Optimizers => new(["SGD", "SGD momentum", "SGD Nesterov", "Adam", "AdamW clipped", "Adam single"]);

    private static (IResidualNetwork<double>? Double, IResidualNetwork<float>? Single) Network(int seed, string kind) =>
        kind.EndsWith("single") ? (null, new ClassifierSingle(seed)) : (new MixedLooped(seed), null);

    private static Optimizer<T> Make<T>(IResidualNetwork<T> net, string kind)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> => kind switch
    {
        "SGD" => new Sgd<T>(net, T.CreateTruncating(0.05)),
        "SGD momentum" => new Sgd<T>(net, T.CreateTruncating(0.05), momentum: 0.9, dampening: 0.1, weightDecay: 1e-3),
        "SGD Nesterov" => new Sgd<T>(net, T.CreateTruncating(0.05), momentum: 0.9, nesterov: true),
        "Adam" or "Adam single" => new Adam<T>(net, T.CreateTruncating(0.01), weightDecay: 1e-4),
        "AdamW clipped" => new AdamW<T>(net, T.CreateTruncating(0.01), maxGradientNorm: T.CreateTruncating(0.5)),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void TrainingResumedFromACheckpointContinuesBitForBit(string kind)
    {
        var (d, s) = Network(1, kind);
        if (d is not null)
        {
            Resume(d, () => Network(2, kind).Double!, kind);
        }
        else
        {
            Resume(s!, () => Network(2, kind).Single!, kind);
        }
    }

    private void Resume<T>(IResidualNetwork<T> net, Func<IResidualNetwork<T>> fresh, string kind)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var random = new Random(4);
        var batches = Enumerable.Range(0, 12).Select(_ => Batch<T>(net, random)).ToArray();

        // Uninterrupted: 12 steps with a warm-up-then-cosine schedule stepped after each.
        var optimizer = Make(net, kind);
        var schedule = SequentialLR<T>.WarmupCosine(optimizer, warmupSteps: 3, totalSteps: 12);
        string path = File("run.safetensors");
        for (int i = 0; i < 12; i++)
        {
            net.TrainStep(batches[i].X, batches[i].Y, optimizer);
            schedule.Step();
            if (i == 4)
            {
                Checkpoint.Save(path, optimizer, schedule);
            }
        }

        // Interrupted after step 5: a new process makes a network, optimizer and schedule as before, loads, goes on.
        var resumed = fresh();
        var again = Make(resumed, kind);
        var againSchedule = SequentialLR<T>.WarmupCosine(again, warmupSteps: 3, totalSteps: 12);
        Checkpoint.Load(path, again, againSchedule);
        again.StepCount.ShouldBe(5);
        againSchedule.Steps.ShouldBe(5);
        for (int i = 5; i < 12; i++)
        {
            resumed.TrainStep(batches[i].X, batches[i].Y, again);
            againSchedule.Step();
        }

        resumed.Parameters.ToArray().ShouldBe(net.Parameters.ToArray());
        again.LearningRate.ShouldBe(optimizer.LearningRate);
        again.StepCount.ShouldBe(optimizer.StepCount);
        again.LastGradientNorm.ShouldBe(optimizer.LastGradientNorm);
        if (optimizer is Adam<T> adam)
        {
            ((Adam<T>)again).FirstMoment.ToArray().ShouldBe(adam.FirstMoment.ToArray());
            ((Adam<T>)again).SecondMoment.ToArray().ShouldBe(adam.SecondMoment.ToArray());
        }

        // Its weights load on their own too.
        var weightsOnly = fresh();
        weightsOnly.LoadWeights(path);
    }

    private static (T[] X, T[] Y) Batch<T>(IResidualNetwork<T> net, Random random)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        const int rows = 6;
        var x = Enumerable.Range(0, rows * net.InputSize).Select(_ => T.CreateTruncating(random.NextDouble() * 2 - 1)).ToArray();
        var y = new T[rows * net.OutputSize];
        for (int r = 0; r < rows; r++)
        {
            if (net.Architecture.Loss == Loss.CrossEntropy)
            {
                y[r * net.OutputSize + random.Next(net.OutputSize)] = T.One;
            }
            else
            {
                for (int c = 0; c < net.OutputSize; c++)
                {
                    y[r * net.OutputSize + c] = T.CreateTruncating(random.NextDouble());
                }
            }
        }

        return (x, y);
    }

    public static TheoryData<string, string> Mismatches => new()
    {
        { "another optimizer", "The checkpoint's optimizer is Adam; this one's is SGD" },
        { "other settings", "The checkpoint's Adam's betas is 0.9, 0.999; this one's is 0.8, 0.999" },
        { "no schedule", "The checkpoint's schedule is SequentialLR; this one's is none" },
        { "another schedule", "The checkpoint's schedule is SequentialLR; this one's is CosineAnnealingLR" },
        { "weights only", "holds weights only" },
        { "another architecture", "another architecture" },
    };

    [Theory]
    [MemberData(nameof(Mismatches))]
    public void AMismatchedCheckpointIsRefusedAndChangesNothing(string mismatch, string message)
    {
        var net = new MixedLooped(1);
        var adam = new Adam<double>(net, 0.01);
        var schedule = SequentialLR<double>.WarmupCosine(adam, 2, 10);
        var (x, y) = Batch(net, new Random(1));
        net.TrainStep(x, y, adam);
        string path = File("checkpoint.safetensors");
        Checkpoint.Save(path, adam, schedule);
        if (mismatch == "weights only")
        {
            net.SaveWeights(path);
        }

        var target = new MixedLooped(2);
        Optimizer<double> optimizer = mismatch switch
        {
            "another optimizer" => new Sgd<double>(target, 0.01),
            "other settings" => new Adam<double>(target, 0.01, beta1: 0.8),
            _ => new Adam<double>(target, 0.01),
        };
        LearningRateSchedule<double>? theirs = mismatch switch
        {
            "no schedule" => null,
            "another schedule" => new CosineAnnealingLR<double>(optimizer, 10),
            _ => SequentialLR<double>.WarmupCosine(optimizer, 2, 10),
        };
        var before = target.Parameters.ToArray();
        double rate = optimizer.LearningRate;
        if (mismatch == "another architecture")
        {
            var other = new WideNet(2);
            var otherAdam = new Adam<double>(other, 0.01);
            Should.Throw<InvalidDataException>(() => Checkpoint.Load(path, otherAdam)).Message.ShouldContain(message);
            return;
        }

        Should.Throw<InvalidDataException>(() => Checkpoint.Load(path, optimizer, theirs)).Message.ShouldContain(message);
        target.Parameters.ToArray().ShouldBe(before);
        optimizer.StepCount.ShouldBe(0);
        optimizer.LearningRate.ShouldBe(rate);
        theirs?.Steps.ShouldBe(0);
    }

    [Fact]
    public void TheTrainerResumesFromItsCheckpointBitForBit()
    {
        var random = new Random(3);
        var x = Enumerable.Range(0, 2 * 150).Select(_ => random.NextDouble() * 4 - 2).ToArray();
        var labels = Enumerable.Range(0, 150).Select(i => (x[2 * i] > 0 ? 1 : 0) + (x[2 * i + 1] > 0.5 ? 1 : 0)).ToArray();
        var training = TrainingSet<double>.WithLabels(x, labels);
        var validation = TrainingSet<double>.WithLabels(x.AsMemory(0, 100), labels.AsMemory(0, 50));

        Trainer<double> Make(ThreeClassNet net, string? checkpoint)
        {
            var adam = new Adam<double>(net, 0.01);
            return new Trainer<double>(net, adam, batchSize: 16)
            {
                Seed = 5, Patience = 50, Schedule = new CosineAnnealingLR<double>(adam, 8), CheckpointPath = checkpoint,
            };
        }

        var whole = new ThreeClassNet(1);
        var full = Make(whole, null).Fit(training, epochs: 8, validation);

        string path = File("trainer.safetensors");
        var first = new ThreeClassNet(1);
        var cancel = new CancellationTokenSource();
        var progress = new Progress(r => { if (r.Epoch == 3) { cancel.Cancel(); } });
        Should.Throw<OperationCanceledException>(() => Make(first, path).Fit(training, epochs: 8, validation, progress, cancel.Token));

        var resumedNet = new ThreeClassNet(9);
        var trainer = Make(resumedNet, path);
        trainer.Resume(path).ShouldBe(3);
        var rest = trainer.Fit(training, epochs: 8, validation);

        resumedNet.Parameters.ToArray().ShouldBe(whole.Parameters.ToArray());
        rest.Epochs.Select(e => (e.Epoch, e.TrainingLoss, e.ValidationLoss, e.ValidationAccuracy, e.LearningRate))
            .ShouldBe(full.Epochs.Select(e => (e.Epoch, e.TrainingLoss, e.ValidationLoss, e.ValidationAccuracy, e.LearningRate)));
        rest.BestEpoch.ShouldBe(full.BestEpoch);

        // Another seed is another run: refused, nothing changed.
        var other = new ThreeClassNet(4);
        var before = other.Parameters.ToArray();
        var adam = new Adam<double>(other, 0.01);
        var wrong = new Trainer<double>(other, adam, batchSize: 16) { Seed = 6, Patience = 50, Schedule = new CosineAnnealingLR<double>(adam, 8) };
        Should.Throw<InvalidDataException>(() => wrong.Resume(path)).Message.ShouldContain("trainer.seed is 5; this trainer's is 6");
        other.Parameters.ToArray().ShouldBe(before);
    }

    /// <summary>Rewrites one entry of a safetensors file's __metadata__, as a hostile or damaged file would hold it.</summary>
    internal static void Tamper(string path, string key, string value)
    {
        var bytes = System.IO.File.ReadAllBytes(path);
        long length = BitConverter.ToInt64(bytes, 0);
        var header = System.Text.Json.Nodes.JsonNode.Parse(bytes.AsSpan(8, (int)length))!.AsObject();
        header["__metadata__"]![key] = value;
        var json = System.Text.Encoding.UTF8.GetBytes(header.ToJsonString());
        using var file = System.IO.File.Create(path);
        file.Write(BitConverter.GetBytes((long)json.Length));
        file.Write(json);
        file.Write(bytes.AsSpan(8 + (int)length));
    }

    public static TheoryData<string, string, string> OutOfRange => new()
    {
        { "optimizer.lr", "1e300", $"learning rate is 1E+300 ({float.PositiveInfinity} as Single)" },
        { "optimizer.lr", "-0.5", "learning rate is -0.5" },
        { "optimizer.lr", "NaN", "learning rate is NaN" },
        { "optimizer.step", "9223372036854775807", "optimizer.step is 9223372036854775807" },
        { "optimizer.last_grad_norm", "-1", "last_grad_norm is -1" },
    };

    [Theory]
    [MemberData(nameof(OutOfRange))]
    public void AScalarOutOfRangeIsRefusedBeforeAnythingChanges(string key, string value, string message)
    {
        var net = new ClassifierSingle(1);
        var adam = new Adam<float>(net, 0.01f);
        var (x, y) = Batch(net, new Random(1));
        net.TrainStep(x, y, adam);
        string path = File("float.safetensors");
        Checkpoint.Save(path, adam);
        Tamper(path, key, value);

        var target = new ClassifierSingle(2);
        var again = new Adam<float>(target, 0.02f);
        target.TrainStep(x, y, again);
        var (parameters, moments, step, rate) = (target.Parameters.ToArray(), again.FirstMoment.ToArray(), again.StepCount, again.LearningRate);

        Should.Throw<InvalidDataException>(() => Checkpoint.Load(path, again)).Message.ShouldContain(message);
        target.Parameters.ToArray().ShouldBe(parameters);
        again.FirstMoment.ToArray().ShouldBe(moments);
        again.StepCount.ShouldBe(step);
        again.LearningRate.ShouldBe(rate);
    }

    [Fact]
    public void TheLastStepAnOptimizerCountsIsRefusedNotWrapped()
    {
        var net = new MixedLooped(1);
        var sgd = new Sgd<double>(net, 0.01);
        var (x, y) = Batch(net, new Random(1));
        net.TrainStep(x, y, sgd);
        string path = File("steps.safetensors");
        Checkpoint.Save(path, sgd);
        Tamper(path, "optimizer.step", (1L << 53).ToString(System.Globalization.CultureInfo.InvariantCulture));
        Checkpoint.Load(path, sgd);
        var before = net.Parameters.ToArray();

        Should.Throw<InvalidOperationException>(() => net.TrainStep(x, y, sgd)).Message.ShouldContain("the most it counts");
        sgd.StepCount.ShouldBe(1L << 53);
        net.Parameters.ToArray().ShouldBe(before);
    }

    [Theory]
    [InlineData("2147483647")]
    [InlineData("1000000000")]
    [InlineData("0")]
    public void ATrainerCheckpointWhoseSizesDisagreeWithItsFileIsRefusedWithoutAllocatingThem(string samples)
    {
        var (trainer, training) = SmallRun(new ThreeClassNet(1), File("sizes.safetensors"));
        trainer.Fit(training, epochs: 1);
        Tamper(File("sizes.safetensors"), "trainer.samples", samples);

        var (again, _) = SmallRun(new ThreeClassNet(2), null);
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        Should.Throw<InvalidDataException>(() => again.Resume(File("sizes.safetensors"))).Message.ShouldContain($"trainer.samples is {samples}, but its 'trainer/order' holds 40 indices");
        (GC.GetAllocatedBytesForCurrentThread() - allocated).ShouldBeLessThan(10_000_000);
    }

    [Theory]
    [InlineData("trainer.best_epoch", "7", "best_epoch is 7, after its last epoch (1)")]
    [InlineData("trainer.stopped", "maybe", "trainer.stopped is 'maybe'")]
    [InlineData("trainer.best_loss", "NaN", "best_loss is NaN")]
    public void ATrainerCheckpointWithAnInconsistentScalarIsRefused(string key, string value, string message)
    {
        var (trainer, training) = SmallRun(new ThreeClassNet(1), File("scalars.safetensors"));
        trainer.Fit(training, epochs: 1);
        Tamper(File("scalars.safetensors"), key, value);

        var net = new ThreeClassNet(2);
        var before = net.Parameters.ToArray();
        var (again, _) = SmallRun(net, null);
        Should.Throw<InvalidDataException>(() => again.Resume(File("scalars.safetensors"))).Message.ShouldContain(message);
        net.Parameters.ToArray().ShouldBe(before);
    }

    private static (Trainer<double> Trainer, TrainingSet<double> Training) SmallRun(ThreeClassNet net, string? checkpoint, int? patience = 5)
    {
        var random = new Random(3);
        var x = Enumerable.Range(0, 2 * 40).Select(_ => random.NextDouble() * 4 - 2).ToArray();
        var labels = Enumerable.Range(0, 40).Select(i => x[2 * i] > 0 ? 1 : 0).ToArray();
        var sgd = new Sgd<double>(net, 0.05);
        return (new Trainer<double>(net, sgd, batchSize: 8) { Seed = 1, Patience = patience, CheckpointPath = checkpoint }, TrainingSet<double>.WithLabels(x, labels));
    }

    [Fact]
    public void ADivergingRunStopsAndKeepsItsLastGoodCheckpointAndBestWeights()
    {
        string path = File("diverging.safetensors");
        var net = new ThreeClassNet(1);
        var (trainer, training) = SmallRun(net, path);
        var progress = new Progress(r =>
        {
            if (r.Epoch == 3)
            {
                trainer.Optimizer.LearningRate = 1e305; // the next epoch's steps overflow
            }
        });

        var error = Should.Throw<NotFiniteNumberException>(() => trainer.Fit(training, epochs: 10, progress: progress));
        error.Message.ShouldContain("Training diverged in epoch 4: parameter ");
        error.Message.ShouldContain($"The checkpoint '{path}' still holds epoch 3, the last good one");
        error.Message.ShouldMatch(@".*The network holds the weights of epoch [123], the best\..*");
        NonFinite.IndexOf<double>(net.Parameters).ShouldBe(-1);

        // The file is the one epoch 3 wrote, and its own trainer resumes from it.
        var resumedNet = new ThreeClassNet(2);
        var (resumed, _) = SmallRun(resumedNet, path);
        resumed.Resume(path).ShouldBe(3);
        NonFinite.Find(resumedNet).ShouldBeNull();
    }

    [Fact]
    public void NonFiniteWeightsAreNeverSavedAndTheOldFileStays()
    {
        var net = new MixedLooped(1);
        var adam = new Adam<double>(net, 0.01);
        string weights = File("w.safetensors"), checkpoint = File("c.safetensors");
        net.SaveWeights(weights);
        Checkpoint.Save(checkpoint, adam);
        var (w, c) = (System.IO.File.ReadAllBytes(weights), System.IO.File.ReadAllBytes(checkpoint));

        net.Parameters[5] = double.PositiveInfinity;
        Should.Throw<InvalidOperationException>(() => net.SaveWeights(weights)).Message.ShouldContain($"holds {double.PositiveInfinity} at [");
        Should.Throw<InvalidOperationException>(() => Checkpoint.Save(checkpoint, adam)).Message.ShouldContain("nothing was written");
        var stream = new MemoryStream();
        Should.Throw<InvalidOperationException>(() => net.SaveWeights(stream));
        stream.Length.ShouldBe(0);
        System.IO.File.ReadAllBytes(weights).ShouldBe(w);
        System.IO.File.ReadAllBytes(checkpoint).ShouldBe(c);
        Directory.GetFiles(_directory).Length.ShouldBe(2);
    }

    private sealed class Progress(Action<EpochReport> report) : IProgress<EpochReport>
    {
        public void Report(EpochReport value) => report(value);
    }
}
