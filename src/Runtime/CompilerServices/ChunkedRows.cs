using System;
using System.ComponentModel;

namespace SkipNet.CompilerServices;

/// <summary>A looped network's forward pass over <paramref name="samples"/> rows, chunk by chunk, on this thread (the generated loop).</summary>
/// <typeparam name="T">The network's precision.</typeparam>
/// <param name="network">The network whose pass it is.</param>
/// <param name="x">The samples, row-major.</param>
/// <param name="output">Their outputs, row-major.</param>
/// <param name="samples">How many rows.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public delegate void RowsForward<T>(object network, ReadOnlySpan<T> x, Span<T> output, int samples);

/// <summary>
/// Inference over a batch of several chunks, the chunks split over threads: each thread runs whole
/// chunks through every layer in a workspace of its own, with each kernel on that thread alone. The
/// parts start on chunk boundaries, so every chunk holds the samples the one-thread loop gives it,
/// and every output is the same, bit for bit, on any number of threads. (A large batch of small
/// chunks — the image networks' — otherwise splits each kernel's few samples over the threads and
/// waits for them at every layer.)
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ChunkedRows
{
    /// <summary>
    /// Runs <paramref name="forward"/> over the batch: on this thread when there is one chunk, one
    /// thread or too little work, else over parts of whole chunks on the worker threads.
    /// </summary>
    /// <param name="network">Passed back to <paramref name="forward"/>.</param>
    /// <param name="forward">The generated loop over chunks (a static lambda: no allocation per call).</param>
    /// <param name="x">samples × <paramref name="inputSize"/> values, checked by the caller.</param>
    /// <param name="output">samples × <paramref name="outputSize"/> values, checked by the caller.</param>
    /// <param name="samples">How many rows.</param>
    /// <param name="inputSize">Values per sample in.</param>
    /// <param name="outputSize">Values per sample out.</param>
    /// <param name="chunk">Samples per pass through the kernels.</param>
    /// <param name="workPerSample">About how many multiply-adds one sample costs, to decide whether a split pays.</param>
    public static unsafe void Forward<T>(object network, RowsForward<T> forward, ReadOnlySpan<T> x, Span<T> output, int samples, int inputSize, int outputSize, int chunk, long workPerSample)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(forward);
        SpanCheck.Same((long)samples * inputSize, x.Length);
        SpanCheck.Same((long)samples * outputSize, output.Length);
        int chunks = (samples + chunk - 1) / chunk;
        int parts = chunks < 2 ? 1 : Parallelism.Parts(workPerSample * samples, chunks);
        if (parts <= 1)
        {
            forward(network, x, output, samples);
            return;
        }

        var work = ForwardWork<T>.ForThisThread();
        fixed (T* px = x, po = output)
        {
            work.Network = network;
            work.Body = forward;
            work.X = px;
            work.Output = po;
            (work.Samples, work.InputSize, work.OutputSize, work.Chunk, work.Chunks) = (samples, inputSize, outputSize, chunk, chunks);
            try
            {
                WorkerPool.Run(work, parts);
            }
            finally
            {
                // Hold no network alive between calls.
                work.Network = null;
                work.Body = null;
            }
        }
    }

    private sealed unsafe class ForwardWork<T> : PartitionedWork
        where T : unmanaged
    {
        [ThreadStatic]
        private static ForwardWork<T>? t_work;

        public object? Network;
        public RowsForward<T>? Body;
        public T* X, Output;
        public int Samples, InputSize, OutputSize, Chunk, Chunks;

        public static ForwardWork<T> ForThisThread() => t_work ??= new();

        public override void Run(int part, int parts)
        {
            int first = (int)((long)Chunks * part / parts) * Chunk;
            int last = Math.Min(Samples, (int)((long)Chunks * (part + 1) / parts) * Chunk);
            int rows = last - first;
            if (rows <= 0)
            {
                return;
            }

            Body!(Network!, new ReadOnlySpan<T>(X + (long)first * InputSize, rows * InputSize), new Span<T>(Output + (long)first * OutputSize, rows * OutputSize), rows);
        }
    }
}
