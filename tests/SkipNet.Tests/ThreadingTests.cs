using System.Collections.Concurrent;
using System.Numerics;

namespace SkipNet.Tests;

/// <summary>
/// One instance shared by many threads: Forward and Evaluate give, bit for bit, what one thread
/// gets, and allocate nothing once each thread has its workspace; training calls that overlap throw
/// InvalidOperationException and change nothing, so the numbers are those of the calls that ran.
/// </summary>
[Trait("Category", "Slow")] // dotnet test --filter "Category!=Slow" leaves it out of a first check
public class ThreadingTests
{
    private const int Threads = 4;
    private const int Calls = 600;
    private const int Batches = 48;

    public static TheoryData<string> Networks() => new() { nameof(SeedNet), nameof(SeedNetSingle), nameof(MixedUnrolled), nameof(MixedLooped), nameof(WideNet), nameof(WideNetSingle), nameof(NormNet), nameof(BatchNormNet), nameof(TinyResNet), nameof(ConvNet) };

    [Theory]
    [MemberData(nameof(Networks))]
    public void ForwardEvaluateAndInputGradientFromManyThreadsMatchOneThreadBitForBit(string network)
    {
        switch (network)
        {
            case nameof(SeedNet): Share(new SeedNet(1)); break;
            case nameof(SeedNetSingle): Share(new SeedNetSingle(1)); break;
            case nameof(MixedUnrolled): Share(new MixedUnrolled(1)); break;
            case nameof(MixedLooped): Share(new MixedLooped(1)); break;
            case nameof(WideNet): Share(new WideNet(1)); break;
            case nameof(NormNet): Share(new NormNet(1)); break;
            case nameof(BatchNormNet): Share(Trained(new BatchNormNet(1))); break;
            case nameof(TinyResNet): Share(Trained(new TinyResNet(1))); break;
            case nameof(ConvNet): Share(new ConvNet(1)); break;
            default: Share(new WideNetSingle(1)); break;
        }
    }

    /// <summary>Two training calls first, so that the running statistics Forward reads are not 0 and 1.</summary>
    private static BatchNormNet Trained(BatchNormNet net)
    {
        var random = new Random(5);
        var x = Enumerable.Range(0, 10 * BatchNormNet.InputSize).Select(_ => (float)random.NextDouble()).ToArray();
        net.Backward(x, new float[10 * BatchNormNet.OutputSize]);
        net.Backward(x, new float[10 * BatchNormNet.OutputSize]);
        return net;
    }

    private static TinyResNet Trained(TinyResNet net)
    {
        var random = new Random(5);
        var x = Enumerable.Range(0, 10 * TinyResNet.InputSize).Select(_ => random.NextDouble()).ToArray();
        net.Backward(x, new double[10 * TinyResNet.OutputSize]);
        net.Backward(x, new double[10 * TinyResNet.OutputSize]);
        return net;
    }

    private static void Share<T>(IResidualNetwork<T> net)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Batches of 1 to 70 samples (up to three chunks of a looped network), and what one thread computes for them.
        var random = new Random(7);
        var batches = Enumerable.Range(0, Batches).Select(b =>
        {
            int samples = 1 + (b * 37) % 70;
            var x = Enumerable.Range(0, samples * net.InputSize).Select(_ => T.CreateChecked(random.NextDouble() * 2 - 1)).ToArray();
            var y = Enumerable.Range(0, samples * net.OutputSize).Select(_ => T.CreateChecked(random.NextDouble() * 2 - 1)).ToArray();
            var output = new T[samples * net.OutputSize];
            var dx = new T[x.Length];
            net.Forward(x, output);
            T loss = net.InputGradient(x, y, dx);
            net.Evaluate(x, y).ShouldBe(loss);
            return (X: x, Y: y, Output: output, Loss: loss, Dx: dx);
        }).ToArray();

        var wrong = new int[Threads];
        var allocated = new long[Threads];
        using var start = new Barrier(Threads);
        var workers = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            var outputs = batches.Select(b => new T[b.Output.Length]).ToArray();
            var gradients = batches.Select(b => new T[b.X.Length]).ToArray();
            start.SignalAndWait();
            long before = 0;
            for (int call = 0; call < Batches + Calls; call++)
            {
                if (call == Batches)
                {
                    // Every batch size seen once on this thread: its workspace and product buffers are made.
                    before = GC.GetAllocatedBytesForCurrentThread();
                }

                int b = call < Batches ? call : (call * (t + 1) + t * 5) % Batches;
                var (x, y, expected, loss, dx) = batches[b];
                net.Forward(x, outputs[b]);
                if (!outputs[b].AsSpan().SequenceEqual(expected) || net.Evaluate(x, y) != loss
                    || net.InputGradient(x, y, gradients[b]) != loss || !gradients[b].AsSpan().SequenceEqual(dx))
                {
                    wrong[t]++;
                }
            }

            allocated[t] = GC.GetAllocatedBytesForCurrentThread() - before;
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());

        wrong.Sum().ShouldBe(0, $"wrong results out of {Threads * (Batches + Calls) * 3} calls");
        allocated.ShouldAllBe(bytes => bytes == 0, "bytes allocated per thread after its first calls");
    }

    [Fact]
    public void OverlappingTrainingCallsThrowAndTheOthersGiveTheSequentialNumbers()
    {
        // Two threads train one instance on the same batch, each until 300 of its calls have run.
        // Each call either runs or throws; the calls that ran apply one step after another, so the
        // result is that many steps in a row, whichever thread took them.
        var random = new Random(3);
        var x = Enumerable.Range(0, 8 * WideNet.InputSize).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        var y = Enumerable.Range(0, 8 * WideNet.OutputSize).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        var net = new WideNet(5);
        var losses = new ConcurrentBag<double>();
        int refused = 0;
        using var start = new Barrier(2);
        var workers = Enumerable.Range(0, 2).Select(_ => new Thread(() =>
        {
            start.SignalAndWait();
            for (int ran = 0; ran < 300;)
            {
                try
                {
                    losses.Add(net.TrainStep(x, y, 1e-3));
                    ran++;
                }
                catch (InvalidOperationException)
                {
                    Interlocked.Increment(ref refused);
                    Thread.Yield();
                }
            }
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());

        refused.ShouldBeGreaterThan(0, "the two threads' calls overlapped");
        var sequential = new WideNet(5);
        var expected = Enumerable.Range(0, 600).Select(_ => sequential.TrainStep(x, y, 1e-3)).ToArray();
        losses.Order().ShouldBe(expected.Order(), "the losses of the calls that ran");
        net.Parameters.ToArray().ShouldBe(sequential.Parameters.ToArray());
        net.Gradients.ToArray().ShouldBe(sequential.Gradients.ToArray());
    }

    [Fact]
    public async Task EveryTrainingCallThrowsWhileAnotherRunsAndChangesNothing()
    {
        var random = new Random(4);
        var bigX = Enumerable.Range(0, 20_000 * WideNet.InputSize).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        var bigY = Enumerable.Range(0, 20_000 * WideNet.OutputSize).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        double[] x = bigX[..WideNet.InputSize], y = bigY[..WideNet.OutputSize];
        var net = new WideNet(2);
        using var started = new ManualResetEventSlim();
        var longStep = Task.Run(() =>
        {
            started.Set();
            return net.TrainStep(bigX, bigY, 0.01); // 20,000 samples: long enough to be caught running
        });
        started.Wait();
        Thread.Sleep(50);

        var refusals = new Action[]
        {
            () => net.Backward(x, y), () => net.TrainStep(x, y, 0.1), () => net.Step(0.1), () => net.ZeroGradients(),
            () => net.Initialize(9), () => net.Clone(),
        }.Select(call => Should.Throw<InvalidOperationException>(call)).ToList();
        longStep.IsCompleted.ShouldBeFalse("the long step was still running when the others were refused");
        double loss = await longStep;

        refusals.ShouldAllBe(e => e.Message.Contains("must not overlap"));
        var alone = new WideNet(2);
        alone.TrainStep(bigX, bigY, 0.01).ShouldBe(loss);
        net.Parameters.ToArray().ShouldBe(alone.Parameters.ToArray());
        net.Gradients.ToArray().ShouldBe(alone.Gradients.ToArray());
    }

    [Fact]
    public void AThreadsFirstCallAllocatesItsWorkspaceAndNothingAfter()
    {
        // README: the first looped call on a thread allocates the workspace (z, h and δ of every
        // layer for up to 32 samples; δ and h only for Identity layers), and the first Backward or
        // TrainStep also the packing buffer of the dW kernel (its block of B, sized from the L2:
        // Blocking); nothing after that.
        // In a Debug build each of its arrays also carries two marker bands (AlignedArray.BandBytes).
        long workspace = WideNet.Architecture.Layers.Sum(l => (l.Activation == Activation.Identity ? 2L : 3L) * (32 * l.Width * sizeof(double) + 2 * AlignedArray<double>.BandBytes));
        double[] x = new double[3 * WideNet.InputSize], y = new double[3 * WideNet.OutputSize], output = new double[3 * WideNet.OutputSize];
        var net = new WideNet(1);
        long forwardFirst = 0, forwardSecond = 0, trainFirst = 0, trainSecond = 0;
        var thread = new Thread(() =>
        {
            forwardFirst = Measure(() => net.Forward(x, output));
            forwardSecond = Measure(() => net.Forward(x, output));
        });
        thread.Start();
        thread.Join();
        var other = new Thread(() =>
        {
            trainFirst = Measure(() => net.TrainStep(x, y, 0.01));
            trainSecond = Measure(() => net.TrainStep(x, y, 0.01));
        });
        other.Start();
        other.Join();

        const long Slack = 2048; // the arrays' and the workspace's object headers
        forwardFirst.ShouldBeInRange(workspace, workspace + Slack);
        forwardSecond.ShouldBe(0);
        long packing = trainFirst - forwardFirst; // the same workspace, then the packing block: 0 where the CPU has no vectors (the kernel then packs nothing)
        long block = (long)Blocking.Current.TnColumns * Blocking.TnRows * sizeof(double);
        (packing is >= 0 and <= Slack || (packing >= block && packing <= block + Slack)).ShouldBeTrue($"{trainFirst} bytes, with a packing block of {block}");
        trainSecond.ShouldBe(0);
    }

    private static long Measure(Action call)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        call();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }
}
