using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading;

namespace SkipNet;

/// <summary>
/// How many threads a looped network's matrix products may use. Each product large enough to pay
/// for the hand-off is split by rows or columns of its result over a persistent pool of worker
/// threads, so no element is ever summed across threads: the results are bit for bit those of one
/// thread, for any setting. Small products (narrow layers, and at batch 1 layers under 2¹⁷
/// weights) stay on the calling thread.
/// </summary>
/// <remarks>
/// The pool serves one product at a time. A product that starts while the pool is busy (several
/// networks training on different threads at once) runs on its own thread instead of waiting, with
/// the same results. Nothing is allocated per product; each thread that calls a kernel allocates
/// its hand-off state once.
/// </remarks>
public static class Parallelism
{
    private static int s_maxDegree = Environment.ProcessorCount;

    [ThreadStatic]
    private static int t_override;

    /// <summary>
    /// The most threads one matrix product may use, the calling thread included: the processor
    /// count unless set; 1 runs everything on the calling thread.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Set below 1.</exception>
    public static int MaxDegreeOfParallelism
    {
        get => s_maxDegree;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            s_maxDegree = value;
        }
    }

    /// <summary>The degree in force on this thread: a trainer's override, else <see cref="MaxDegreeOfParallelism"/>.</summary>
    internal static int Degree => t_override > 0 ? t_override : s_maxDegree;

    /// <summary>
    /// Multiply-adds below which a part of a product is not worth a hand-off to another thread.
    /// A hand-off itself costs 1–2 µs here, but a split product also leaves half of its matrix in
    /// the other core's cache, where the next unsplit access must fetch it: measured on mlp-128
    /// (products of 0.5M multiply-adds), splitting made a step slower; on mlp-512 (8M), faster.
    /// </summary>
    internal static long MinimumWorkPerPart { get; set; } = 1L << 20;

    /// <summary>
    /// Samples from which a product is split by <see cref="Parts"/>. One or two samples are split
    /// another way (<see cref="MinimumStreamedWork"/>); from three to seven, not at all.
    /// </summary>
    internal const int MinimumSamples = 8;

    /// <summary>
    /// Elements of W (n × m) from which the passes over one or two samples, each a matrix–vector
    /// product bound by reading W and dW, are split into two halves by rows of W: the forward
    /// product, dW and the step by their rows, dH as the fixed sum of the two halves' sums. Every
    /// pass gives a thread the same rows, so each core keeps its half of W and dW in its own cache
    /// from step to step (split by other rows in each pass, mlp-512 at batch 1 took 2.3× as long
    /// on two threads). Measured with this split: mlp-512 (2¹⁸ weights a layer) 1.97× as fast on
    /// two threads; mlp-128 (2¹⁴) 18.5 → 55–61 µs, as its half layers ran at half speed side by side
    /// (docs/performance.md, "The limits"). Settable for the tests, which split small products.
    /// </summary>
    internal static long MinimumStreamedWork { get; set; } = 1L << 17;

    /// <summary>
    /// Parameters per part below which an optimizer's update stays on the calling thread. Measured:
    /// splitting mlp-128's 66,000 made its Adam step slower, because the next forward pass, not
    /// split at that size, then reads the half the other core wrote from that core's cache; the
    /// Fashion-MNIST network's 335,000 gain (settable for the tests, which split small networks).
    /// </summary>
    internal static int MinimumUpdatePerPart { get; set; } = 1 << 17;

    /// <summary>Sets this thread's degree (0: none) until the returned scope is disposed (a trainer's override).</summary>
    internal static Scope Override(int? degree)
    {
        int previous = t_override;
        t_override = degree ?? previous;
        return new Scope(previous);
    }

    /// <summary>Restores the thread's previous override.</summary>
    internal readonly struct Scope(int previous) : IDisposable
    {
        public void Dispose() => t_override = previous;
    }

    /// <summary>
    /// How many parts to split <paramref name="work"/> multiply-adds into, at most
    /// <paramref name="blocks"/> (the number of indivisible blocks of the split dimension).
    /// </summary>
    internal static int Parts(long work, int blocks)
    {
        int degree = Degree;
        if (degree <= 1 || blocks <= 1)
        {
            return 1;
        }

        long byWork = work / MinimumWorkPerPart;
        return (int)Math.Max(1, Math.Min(Math.Min(degree, blocks), byWork));
    }
}

/// <summary>A piece of work split into parts that run on different threads.</summary>
internal abstract class PartitionedWork
{
    /// <summary>Runs part <paramref name="part"/> of <paramref name="parts"/>.</summary>
    public abstract void Run(int part, int parts);
}

/// <summary>
/// Persistent worker threads and an allocation-free hand-off: the caller runs part 0 while the
/// workers run the others, then waits for them.
/// </summary>
internal static class WorkerPool
{
    private static readonly object s_grow = new();
    private static Worker[] s_workers = [];
    private static int s_busy;
    private static int s_pending;
    private static readonly ManualResetEventSlim s_done = new(false, spinCount: 1);

    /// <summary>
    /// How long a worker keeps spinning for its next part, and the caller for the workers, before
    /// blocking: long enough to span the element-wise work between the products of one step, so a
    /// hand-off inside a step costs a cache line, not a wake-up (tens of microseconds here).
    /// </summary>
    private static readonly long SpinTicks = Stopwatch.Frequency / 1_000; // 1 ms
    private static Exception? s_failure;
    private static long s_partsOnWorkers;

    /// <summary>How many parts worker threads have run (for the tests that check the pool is used).</summary>
    internal static long PartsOnWorkers => Interlocked.Read(ref s_partsOnWorkers);

    /// <summary>Runs every part of <paramref name="work"/>; on the pool when it is free, else all on this thread.</summary>
    public static void Run(PartitionedWork work, int parts)
    {
        if (parts <= 1 || Interlocked.CompareExchange(ref s_busy, 1, 0) != 0)
        {
            for (int part = 0; part < parts; part++)
            {
                work.Run(part, parts);
            }

            return;
        }

        try
        {
            var workers = Workers(parts - 1);
            s_failure = null;
            s_done.Reset();
            Volatile.Write(ref s_pending, parts - 1);
            for (int part = 1; part < parts; part++)
            {
                workers[part - 1].Start(work, part, parts);
            }

            try
            {
                work.Run(0, parts);
            }
            finally
            {
                // Even when this thread's part throws: the workers' parts point into memory the
                // caller has pinned only until this returns.
                WaitForWorkers();
            }

            if (s_failure is { } failure)
            {
                throw new AggregateException("A worker thread failed in a matrix product.", failure);
            }
        }
        finally
        {
            Volatile.Write(ref s_busy, 0);
        }
    }

    private static void WaitForWorkers()
    {
        long deadline = Stopwatch.GetTimestamp() + SpinTicks;
        var spinner = default(SpinWait);
        while (Volatile.Read(ref s_pending) != 0 && Stopwatch.GetTimestamp() < deadline)
        {
            spinner.SpinOnce(sleep1Threshold: -1);
        }

        s_done.Wait();
    }

    private static Worker[] Workers(int count)
    {
        var workers = s_workers;
        if (workers.Length >= count)
        {
            return workers;
        }

        lock (s_grow)
        {
            if (s_workers.Length < count)
            {
                var grown = new Worker[count];
                s_workers.CopyTo(grown, 0);
                for (int i = s_workers.Length; i < count; i++)
                {
                    grown[i] = new Worker(i + 1);
                }

                s_workers = grown;
            }

            return s_workers;
        }
    }

    private sealed class Worker
    {
        private readonly ManualResetEventSlim _go = new(false, spinCount: 1);
        private PartitionedWork? _work;
        private int _part;
        private int _parts;
        private int _signal;

        public Worker(int index)
        {
            var thread = new Thread(Loop) { IsBackground = true, Name = $"SkipNet worker {index}" };
            thread.Start();
        }

        public void Start(PartitionedWork work, int part, int parts)
        {
            _work = work;
            _part = part;
            _parts = parts;
            Interlocked.Increment(ref _signal);
            _go.Set();
        }

        // Fully optimized from the start: a long-running loop would otherwise stay in tier-0 code.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Loop()
        {
            int seen = 0;
            while (true)
            {
                // Spin for a while (the next product of a step comes soon), then block.
                long deadline = Stopwatch.GetTimestamp() + SpinTicks;
                var spinner = default(SpinWait);
                while (Volatile.Read(ref _signal) == seen)
                {
                    if (Stopwatch.GetTimestamp() < deadline)
                    {
                        spinner.SpinOnce(sleep1Threshold: -1);
                    }
                    else
                    {
                        _go.Wait();
                        _go.Reset();
                    }
                }

                seen = Volatile.Read(ref _signal);
                try
                {
                    _work!.Run(_part, _parts);
                }
                catch (Exception e)
                {
                    s_failure = e;
                }

                _work = null;
                Interlocked.Increment(ref s_partsOnWorkers);
                if (Interlocked.Decrement(ref s_pending) == 0)
                {
                    s_done.Set();
                }
            }
        }
    }
}
