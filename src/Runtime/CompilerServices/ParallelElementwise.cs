using System;
using System.Collections.Generic;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace SkipNet.CompilerServices;

/// <summary>The element-wise maps costly enough to split over threads.</summary>
internal enum ElementwiseOp
{
    GeluForward,
    GeluBackward,
}

/// <summary>
/// Element-wise maps split over the worker pool in contiguous blocks: each element is computed by
/// the same code as on one thread, so the results are identical for any number of threads.
/// </summary>
internal static unsafe class ParallelElementwise
{
    /// <summary>Elements per part below which a map stays on the calling thread: GELU in double costs 2.4–3.7 ns an element forward and 4.0–6.2 backward (eight lanes; `-- phases` in the benchmarks), a hand-off 1–2 µs, so a part is at least about 10 µs.</summary>
    internal const int MinimumElementsPerPart = 4096;

    /// <summary>As <see cref="MinimumElementsPerPart"/> for float maps, which GELU computes in float, sixteen lanes at a time: about 0.4 ns an element forward.</summary>
    internal const int MinimumSingleElementsPerPart = 16384;

    /// <summary>Runs the map split over threads and returns true, or returns false when it is not worth splitting.</summary>
    public static bool Split<T>(ElementwiseOp op, ReadOnlySpan<T> input, Span<T> output)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int parts = Math.Min(Parallelism.Degree, input.Length / (typeof(T) == typeof(float) ? MinimumSingleElementsPerPart : MinimumElementsPerPart));
        if (parts <= 1)
        {
            return false;
        }

        fixed (T* pi = input, po = output)
        {
            var work = Work<T>.ForThisThread();
            work.Op = op;
            work.Input = pi;
            work.Output = po;
            work.Length = input.Length;
            WorkerPool.Run(work, parts);
        }

        return true;
    }

    private sealed class Work<T> : PartitionedWork
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        [ThreadStatic]
        private static Work<T>? t_work;

        public ElementwiseOp Op;
        public T* Input, Output;
        public int Length;

        public static Work<T> ForThisThread() => t_work ??= new();

        public override void Run(int part, int parts)
        {
            // Blocks of whole vectors of four, the last part taking the rest.
            int blocks = Length / 4;
            int start = 4 * (int)((long)blocks * part / parts);
            int end = part == parts - 1 ? Length : 4 * (int)((long)blocks * (part + 1) / parts);
            var input = new ReadOnlySpan<T>(Input + start, end - start);
            var output = new Span<T>(Output + start, end - start);
            switch (Op)
            {
                case ElementwiseOp.GeluForward:
                    Activations.GELUCore(input, output);
                    break;
                case ElementwiseOp.GeluBackward:
                    Activations.GELUBackwardCore(input, output);
                    break;
                default:
                    throw new InvalidOperationException($"Unknown element-wise map {Op}.");
            }
        }
    }
}

/// <summary>
/// An element-wise update of parameters from gradients (an optimizer's rule), split over the worker
/// pool. Each parameter block is split by rows as the matrix products split it, so a thread updates
/// the rows of W it computed the gradient of and will read next; a flat split made the next forward
/// pass fetch half of every matrix from the other core. Each element is computed by the same code
/// as on one thread, so the results do not depend on the number of threads.
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
internal abstract unsafe class ElementwiseUpdate<T> : PartitionedWork
    where T : unmanaged
{
    private readonly IReadOnlyList<ParameterBlock> _blocks;
    private T* _parameters;
    private T* _gradients;

    /// <summary>
    /// The update of a network's parameters, laid out in <paramref name="blocks"/>. Blocks that do not
    /// cover the parameters end to end, in order (a network implemented by hand, say), are split as
    /// one flat block instead.
    /// </summary>
    protected ElementwiseUpdate(IReadOnlyList<ParameterBlock> blocks, int parameterCount)
    {
        int next = 0;
        foreach (var block in blocks)
        {
            next = block.Offset == next ? next + block.Length : -1;
        }

        _blocks = next == parameterCount ? blocks : [new ParameterBlock("parameters", 0, parameterCount, 1)];
    }

    /// <summary>Runs <see cref="Update"/> over the whole spans, on several threads when they are long enough.</summary>
    public void Run(Span<T> parameters, ReadOnlySpan<T> gradients)
    {
        int parts = Math.Min(Parallelism.Degree, parameters.Length / Parallelism.MinimumUpdatePerPart);
        if (parts <= 1)
        {
            Update(parameters, gradients, 0);
            return;
        }

        fixed (T* p = parameters, g = gradients)
        {
            _parameters = p;
            _gradients = g;
            try
            {
                WorkerPool.Run(this, parts);
            }
            finally
            {
                _parameters = _gradients = null;
            }
        }
    }

    /// <summary>Updates parameters[i] from gradients[i]; <paramref name="offset"/> is the index of element 0 in the whole.</summary>
    protected abstract void Update(Span<T> parameters, ReadOnlySpan<T> gradients, int offset);

    public sealed override void Run(int part, int parts)
    {
        foreach (var block in _blocks)
        {
            var (r0, r1) = ParallelGemm.Share(block.Rows, part, parts);
            int start = block.Offset + r0 * block.Cols, length = (r1 - r0) * block.Cols;
            Update(new Span<T>(_parameters + start, length), new ReadOnlySpan<T>(_gradients + start, length), start);
        }
    }
}
