using System;
using System.ComponentModel;

namespace SkipNet.CompilerServices;

/// <summary>A generated network's forward pass over a run of samples (its chunk loop).</summary>
/// <typeparam name="T">The network's precision.</typeparam>
/// <param name="network">The network whose pass it is.</param>
/// <param name="x">The samples, row-major.</param>
/// <param name="output">Their outputs, row-major.</param>
/// <param name="samples">How many rows.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public delegate void RowsForward<T>(object network, ReadOnlySpan<T> x, Span<T> output, int samples);

/// <summary>
/// A looped network's batched Forward. The .NET 8 build splits the chunks over threads; on
/// netstandard2.1 (engines with their own job systems) the pass runs on the calling thread.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ChunkedRows
{
    /// <summary>Runs <paramref name="forward"/> over all the samples, on the calling thread.</summary>
    /// <param name="network">The network (passed to <paramref name="forward"/>).</param>
    /// <param name="forward">The generated loop over chunks.</param>
    /// <param name="x">samples × <paramref name="inputSize"/> values.</param>
    /// <param name="output">samples × <paramref name="outputSize"/> values.</param>
    /// <param name="samples">How many rows.</param>
    /// <param name="inputSize">Values per sample in.</param>
    /// <param name="outputSize">Values per sample out.</param>
    /// <param name="chunk">Samples per pass through the kernels (the threads' unit in the .NET 8 build).</param>
    /// <param name="workPerSample">About how many multiply-adds one sample costs (the .NET 8 build's split decision).</param>
    /// <exception cref="ArgumentException">A length does not fit.</exception>
    public static void Forward<T>(object network, RowsForward<T> forward, ReadOnlySpan<T> x, Span<T> output, int samples, int inputSize, int outputSize, int chunk, long workPerSample)
        where T : unmanaged
    {
        if (network is null)
        {
            throw new ArgumentNullException(nameof(network));
        }

        if (forward is null)
        {
            throw new ArgumentNullException(nameof(forward));
        }

        SpanCheck.Same((long)samples * inputSize, x.Length);
        SpanCheck.Same((long)samples * outputSize, output.Length);
        forward(network, x, output, samples);
    }
}
