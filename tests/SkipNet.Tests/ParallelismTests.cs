namespace SkipNet.Tests;

/// <summary>Matrix products split over threads give, bit for bit, the single-threaded results, and allocate nothing per call.</summary>
[Collection(nameof(ParallelismTests))]
[CollectionDefinition(nameof(ParallelismTests), DisableParallelization = true)]
public sealed class ParallelismTests : IDisposable
{
    private readonly int _degree = Parallelism.MaxDegreeOfParallelism;
    private readonly long _minimum = Parallelism.MinimumWorkPerPart;

    private readonly int _minimumUpdate = Parallelism.MinimumUpdatePerPart;
    private readonly long _minimumStreamed = Parallelism.MinimumStreamedWork;

    public ParallelismTests()
    {
        // Split even the smallest products and updates.
        Parallelism.MinimumWorkPerPart = 1;
        Parallelism.MinimumUpdatePerPart = 64;
        Parallelism.MinimumStreamedWork = 1;
    }

    public void Dispose()
    {
        Parallelism.MaxDegreeOfParallelism = _degree;
        Parallelism.MinimumWorkPerPart = _minimum;
        Parallelism.MinimumUpdatePerPart = _minimumUpdate;
        Parallelism.MinimumStreamedWork = _minimumStreamed;
    }

    [Fact]
    public void ThePoolWaitsForItsWorkersWhenTheCallersPartThrows()
    {
        // A worker's part points into memory its caller pinned for the call only (a fixed block
        // around WorkerPool.Run): Run must not return, even by an exception, while a part still runs.
        var work = new CallerPartThrows();
        for (int attempt = 0; attempt < 20 && !work.WorkerStarted; attempt++)
        {
            Should.Throw<InvalidOperationException>(() => WorkerPool.Run(work, 2)).Message.ShouldBe("the caller's part");
            if (work.WorkerStarted)
            {
                work.WorkerFinished.ShouldBeTrue("Run returned while a worker was still in its part");
            }
        }

        work.WorkerStarted.ShouldBeTrue("the second part never ran on a worker (the pool was busy every time)");
        WorkerPool.Run(new CallerPartThrows { Throws = false }, 2); // and the pool is usable after it
    }

    private sealed class CallerPartThrows : PartitionedWork
    {
        public bool Throws { get; init; } = true;

        public volatile bool WorkerStarted;

        public volatile bool WorkerFinished;

        public override void Run(int part, int parts)
        {
            if (part == 0)
            {
                if (Throws)
                {
                    throw new InvalidOperationException("the caller's part");
                }

                return;
            }

            WorkerStarted = true;
            Thread.Sleep(100);
            WorkerFinished = true;
        }
    }

    [Theory]
    [InlineData(1, 5, 3)]
    [InlineData(7, 9, 13)]
    [InlineData(8, 16, 8)]
    [InlineData(32, 64, 48)]
    [InlineData(33, 67, 130)]
    [InlineData(12, 513, 257)]
    [InlineData(100, 21, 40)] // the forward product in 512-bit four-vector panels (then a two-vector one in float), and four samples left to dot products
    [InlineData(24, 9, 70)]   // ... 512- then 256-bit panels in double; 256-bit, then dot products, in float
    [InlineData(1, 16, 16)]   // one or two samples: dH and dW in strips of columns (512-, then 256-bit, then single columns)
    [InlineData(2, 19, 101)]
    [InlineData(1, 40, 37)]   // ... with 256-bit vectors only, one eight-vector strip (32 columns in double)
    [InlineData(2, 9, 300)]   // ... rows of 1 KiB or more in double (and float at 300): row by row
    [InlineData(1, 44, 200)]  // ... split in two halves of W's rows at 40 (whole blocks of eight), dH summed half by half; eight-vector strips of both widths in float
    [InlineData(2, 130, 24)]
    public void EveryProductIsTheSameOnAnyNumberOfThreads(int batch, int outputs, int inputs)
    {
        Products<double>(batch, outputs, inputs);
        Products<float>(batch, outputs, inputs);
    }

    private static void Products<T>(int batch, int outputs, int inputs)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var random = new Random(batch * 1000 + outputs);
        T[] Draw(int n) => Enumerable.Range(0, n).Select(_ => T.CreateTruncating(random.NextDouble() * 2 - 1)).ToArray();
        var w = Draw(outputs * inputs);
        var h = Draw(batch * inputs);
        var dz = Draw(batch * outputs);
        var z0 = Draw(batch * outputs);
        var dh0 = Draw(batch * inputs);
        var dw0 = Draw(outputs * inputs);

        (T[] Z, T[] DH, T[] DW, T[] W) Run(int degree)
        {
            Parallelism.MaxDegreeOfParallelism = degree;
            var z = (T[])z0.Clone();
            var dh = (T[])dh0.Clone();
            var dw = (T[])dw0.Clone();
            var updated = (T[])w.Clone();
            Kernels.MultiplyAdd<T>(w, h, z, batch);
            Kernels.TransposeMultiplyAdd<T>(w, dz, dh, batch);
            Kernels.WeightGradient<T>(dz, h, dw, updated, batch, GradientWrite<T>.TrainStep(T.CreateTruncating(0.1)));

            // The same dH, dW and step in one call.
            var (fusedDh, fusedDw, fusedW) = ((T[])dh0.Clone(), (T[])dw0.Clone(), (T[])w.Clone());
            Kernels.DenseBackward<T>(fusedW, dz, h, fusedDh, fusedDw, batch, GradientWrite<T>.TrainStep(T.CreateTruncating(0.1)));
            fusedDh.ShouldBe(dh, $"DenseBackward's dH, {degree} thread(s)");
            fusedDw.ShouldBe(dw, $"DenseBackward's dW, {degree} thread(s)");
            fusedW.ShouldBe(updated, $"DenseBackward's step, {degree} thread(s)");
            return (z, dh, dw, updated);
        }

        var one = Run(1);

        // The values too: large dH products sum over W's rows in two halves (ParallelGemm.InHalves).
        for (int s = 0; s < batch; s++)
        {
            for (int j = 0; j < inputs; j++)
            {
                double expected = double.CreateTruncating(dh0[s * inputs + j]);
                for (int i = 0; i < outputs; i++)
                {
                    expected += double.CreateTruncating(dz[s * outputs + i]) * double.CreateTruncating(w[i * inputs + j]);
                }

                double.CreateTruncating(one.DH[s * inputs + j]).ShouldBe(expected, (typeof(T) == typeof(double) ? 1e-12 : 1e-4) * outputs, $"dH[{s}, {j}]");
            }
        }

        // 256-bit vectors only: the same bits (each element is one chain of FMAs either way).
        Gemm.UseVector512 = false;
        try
        {
            var narrow = Run(1);
            narrow.DW.ShouldBe(one.DW, $"dW with 256-bit vectors only, {typeof(T).Name}");
            narrow.W.ShouldBe(one.W, "W after the step with 256-bit vectors only");
            narrow.DH.ShouldBe(one.DH, "dH with 256-bit vectors only");

            // The forward product runs in dot blocks without AVX-512 (packed panels with it): another order, the same values.
            double tolerance = typeof(T) == typeof(double) ? 1e-12 : 1e-4;
            for (int i = 0; i < one.Z.Length; i++)
            {
                double.CreateTruncating(narrow.Z[i]).ShouldBe(double.CreateTruncating(one.Z[i]), tolerance * inputs, $"Z[{i}] with 256-bit vectors only");
            }
        }
        finally
        {
            Gemm.UseVector512 = true;
        }

        foreach (int degree in new[] { 2, 3, 4 })
        {
            long before = WorkerPool.PartsOnWorkers;
            var many = Run(degree);
            if (batch >= 8 || (batch <= 2 && outputs >= 16))
            {
                WorkerPool.PartsOnWorkers.ShouldBeGreaterThan(before, "the products were split");
            }

            many.Z.ShouldBe(one.Z, $"Z, {degree} threads, {typeof(T).Name}");
            many.DH.ShouldBe(one.DH, $"dH, {degree} threads");
            many.DW.ShouldBe(one.DW, $"dW, {degree} threads");
            many.W.ShouldBe(one.W, $"W after the step, {degree} threads");
        }
    }

    [Fact]
    public void LongGeluSpansAreTheSameOnAnyNumberOfThreads()
    {
        LongGeluSpans<double>(ParallelElementwise.MinimumElementsPerPart);
        LongGeluSpans<float>(ParallelElementwise.MinimumSingleElementsPerPart);
    }

    private static void LongGeluSpans<T>(int perPart)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var random = new Random(3);
        var z = Enumerable.Range(0, 3 * perPart + 7).Select(_ => T.CreateTruncating(random.NextDouble() * 8 - 4)).ToArray();
        (T[] H, T[] Delta) Run(int degree)
        {
            Parallelism.MaxDegreeOfParallelism = degree;
            var h = new T[z.Length];
            var delta = Enumerable.Range(0, z.Length).Select(i => T.CreateTruncating(1.0 + i % 5)).ToArray();
            Activations.GELU<T>(z, h);
            Activations.GELUBackward<T>(z, delta);
            return (h, delta);
        }

        var one = Run(1);
        long before = WorkerPool.PartsOnWorkers;
        var three = Run(3);
        WorkerPool.PartsOnWorkers.ShouldBeGreaterThan(before, "the spans were split");
        three.H.ShouldBe(one.H);
        three.Delta.ShouldBe(one.Delta);
    }

    [Fact]
    public void TrainingIsTheSameOnAnyNumberOfThreads()
    {
        double[] Train(int degree)
        {
            Parallelism.MaxDegreeOfParallelism = degree;
            var net = new WideNet(4);
            var adam = new Adam<double>(net, 1e-3);
            var random = new Random(1);
            var x = Enumerable.Range(0, 40 * WideNet.InputSize).Select(_ => random.NextDouble()).ToArray();
            var y = Enumerable.Range(0, 40 * WideNet.OutputSize).Select(_ => random.NextDouble()).ToArray();
            for (int step = 0; step < 5; step++)
            {
                net.TrainStep(x, y, adam);
                net.TrainStep(x, y, 0.01);

                // One and two samples: every pass split by the same halves of W's rows.
                net.TrainStep(x.AsSpan(0, WideNet.InputSize), y.AsSpan(0, WideNet.OutputSize), 0.01);
                net.TrainStep(x.AsSpan(0, 2 * WideNet.InputSize), y.AsSpan(0, 2 * WideNet.OutputSize), adam);
            }

            var output = new double[y.Length];
            net.Forward(x, output);
            return [.. net.Parameters.ToArray(), .. net.Gradients.ToArray(), .. output];
        }

        var one = Train(1);
        Train(2).ShouldBe(one);
        Train(3).ShouldBe(one);
    }

    [Fact]
    public void OptimizerUpdatesAreTheSameOnAnyNumberOfThreads()
    {
        var random = new Random(5);
        var gradients = Enumerable.Range(0, WideNet.ParameterCount).Select(_ => random.NextDouble() - 0.5).ToArray();
        double[] Steps(int degree, Func<WideNet, Optimizer<double>> create)
        {
            Parallelism.MaxDegreeOfParallelism = degree;
            var net = new WideNet(1);
            var optimizer = create(net);
            for (int step = 0; step < 3; step++)
            {
                var g = gradients.Select(v => v * (step + 1)).ToArray();
                optimizer.Update(net.Parameters, g);
            }

            var adam = optimizer as Adam<double>;
            return [.. net.Parameters.ToArray(), .. adam?.FirstMoment.ToArray() ?? [], .. adam?.SecondMoment.ToArray() ?? [], optimizer.LastGradientNorm];
        }

        foreach (var create in new Func<WideNet, Optimizer<double>>[]
        {
            net => new Adam<double>(net, 1e-2, weightDecay: 0.1),
            net => new AdamW<double>(net, 1e-2, maxGradientNorm: 0.5),
        })
        {
            var one = Steps(1, create);
            long before = WorkerPool.PartsOnWorkers;
            var three = Steps(3, create);
            WorkerPool.PartsOnWorkers.ShouldBeGreaterThan(before, "the updates were split");
            three.ShouldBe(one);
            double norm = Math.Sqrt(gradients.Sum(g => 9 * g * g)); // the last step's gradient is 3g
            one[^1].ShouldBe(norm, norm * 1e-14, "the global norm, summed in eight lanes");
        }

        // In float: Σg² in double over widened lanes.
        var single = new WideNetSingle(1);
        var floats = Enumerable.Range(0, WideNetSingle.ParameterCount).Select(i => (float)Math.Sin(i)).ToArray();
        var sgd = new Sgd<float>(single, 0.1f);
        sgd.Update(single.Parameters, floats);
        double expected = Math.Sqrt(floats.Sum(g => (double)g * g));
        ((double)sgd.LastGradientNorm).ShouldBe(expected, expected * 1e-7);
    }

    [Fact]
    public void ATrainersOverrideAppliesToItsSteps()
    {
        Parallelism.MaxDegreeOfParallelism = 1;
        var x = Enumerable.Range(0, 64 * WideNet.InputSize).Select(i => Math.Sin(i)).ToArray();
        var y = Enumerable.Range(0, 64 * WideNet.OutputSize).Select(i => Math.Cos(i)).ToArray();
        double[] Fit(int? degree)
        {
            var net = new WideNet(2);
            new Trainer<double>(net, new Adam<double>(net, 0.01), batchSize: 16) { MaxDegreeOfParallelism = degree }.Fit(TrainingSet<double>.WithTargets(x, y), epochs: 2);
            return net.Parameters.ToArray();
        }

        long before = WorkerPool.PartsOnWorkers;
        var single = Fit(null);
        WorkerPool.PartsOnWorkers.ShouldBe(before, "the global setting is 1 thread");
        Fit(4).ShouldBe(single);
        WorkerPool.PartsOnWorkers.ShouldBeGreaterThan(before, "the trainer's override split the products");
        var other = new ThreeClassNet();
        Should.Throw<ArgumentOutOfRangeException>(() => new Trainer<double>(other, new Adam<double>(other), 4) { MaxDegreeOfParallelism = 0 });
        Should.Throw<ArgumentOutOfRangeException>(() => Parallelism.MaxDegreeOfParallelism = 0);
    }

    [Fact]
    public void SplitProductsAllocateNothingPerCall()
    {
        Parallelism.MaxDegreeOfParallelism = 2;
        var net = new WideNet(1);
        var x = new double[32 * WideNet.InputSize];
        var y = new double[32 * WideNet.OutputSize];
        net.TrainStep(x, y, 0.01);
        net.TrainStep(x.AsSpan(0, WideNet.InputSize), y.AsSpan(0, WideNet.OutputSize), 0.01);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++)
        {
            net.TrainStep(x, y, 0.01);
            net.TrainStep(x.AsSpan(0, WideNet.InputSize), y.AsSpan(0, WideNet.OutputSize), 0.01); // split in halves too
        }

        (GC.GetAllocatedBytesForCurrentThread() - before).ShouldBe(0);
    }

    [Fact]
    public void ForwardRunsABatchOfSeveralChunksAsRunsOfWholeChunksOnEachThread()
    {
        // 100 samples are four chunks of 32 for both networks, the last one ragged.
        var random = new Random(12);
        double[] Draw(int n) => Enumerable.Range(0, n).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        var wide = new WideNet(3);
        var image = new TinyResNet(4);
        var wideX = Draw(100 * WideNet.InputSize);
        var imageX = Draw(100 * TinyResNet.InputSize);
        (double[] Wide, double[] Image) Run(int threads)
        {
            Parallelism.MaxDegreeOfParallelism = threads;
            var outputs = (new double[100 * WideNet.OutputSize], new double[100 * TinyResNet.OutputSize]);
            wide.Forward(wideX, outputs.Item1);
            image.Forward(imageX, outputs.Item2);
            return outputs;
        }

        var one = Run(1);
        Parallelism.MaxDegreeOfParallelism = 2;
        long before = WorkerPool.PartsOnWorkers;
        wide.Forward(wideX, new double[100 * WideNet.OutputSize]);
        (WorkerPool.PartsOnWorkers - before).ShouldBe(1, "one run of whole chunks on the worker, its kernels on that thread alone");
        var two = Run(2);
        two.Wide.ShouldBe(one.Wide, "WideNet on two threads");
        two.Image.ShouldBe(one.Image, "TinyResNet on two threads");
        Run(3).Image.ShouldBe(one.Image, "TinyResNet on three threads");

        // Nothing allocated per call once each thread has its workspace.
        Parallelism.MaxDegreeOfParallelism = 2;
        var output = new double[100 * TinyResNet.OutputSize];
        for (int i = 0; i < 3; i++)
        {
            image.Forward(imageX, output);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5; i++)
        {
            image.Forward(imageX, output);
        }

        (GC.GetAllocatedBytesForCurrentThread() - allocated).ShouldBe(0);
    }

    [Fact]
    public void ConvolutionsGiveTheSameNumbersOnOneThreadAndOnTwo()
    {
        // Samples split over threads forward; dL/dW summed over the batch's two halves on one thread as on two.
        var random = new Random(8);
        var x = Enumerable.Range(0, 33 * TinyResNet.InputSize).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        var y = Enumerable.Range(0, 33 * TinyResNet.OutputSize).Select(_ => random.NextDouble()).ToArray();
        (double Loss, double[] Gradients, double[] Parameters, double[] Outputs) Run(int threads)
        {
            Parallelism.MaxDegreeOfParallelism = threads;
            var net = new TinyResNet(2);
            double loss = net.Backward(x, y);
            var gradients = net.Gradients.ToArray();
            net.TrainStep(x, y, 0.1);
            var outputs = new double[33 * TinyResNet.OutputSize];
            net.Forward(x, outputs);
            return (loss, gradients, net.Parameters.ToArray(), outputs);
        }

        var one = Run(1);
        long before = WorkerPool.PartsOnWorkers;
        var two = Run(2);
        (WorkerPool.PartsOnWorkers - before).ShouldBeGreaterThan(0, "the second thread took part");
        two.Loss.ShouldBe(one.Loss);
        two.Gradients.ShouldBe(one.Gradients);
        two.Parameters.ShouldBe(one.Parameters);
        two.Outputs.ShouldBe(one.Outputs);
    }
}
