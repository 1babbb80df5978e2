using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SkipNet.CompilerServices;

/// <summary>
/// The three matrix products, split over threads (<see cref="Parallelism"/>) by rows or columns of
/// the result in whole register blocks, so that every element is computed by exactly the code and
/// in exactly the order of the single-threaded product: the results are identical for any number
/// of threads. The operands are pinned while the workers read them.
/// </summary>
/// <remarks>
/// The entry points that the public kernels call are never inlined: inlined through a thin kernel
/// into a network's chunk method, the products' code spent that method's inlining budget, and the
/// small helpers after it (span slicing and conversion, the strips' gradient store) stayed calls,
/// with the strip's vectors spilled around each. With the generated chunk methods compiled on their
/// own too, mlp-16's step took 0.82–0.91 of the time (docs/performance.md, "The JIT's inlining budget").
/// </remarks>
internal static unsafe class ParallelGemm
{
    /// <summary>Rows or columns per indivisible block: the register blocks' height.</summary>
    private const int Block = 4;

    /// <summary>Rows of W per indivisible block of a streamed split (<see cref="StreamedHalves"/>): the eight of a one-sample forward dot block.</summary>
    private const int StreamedBlock = 8;

    /// <summary>Z += H·Wᵀ (see <see cref="Gemm.MultiplyAddTransposedB{T}(ref T, ref T, ref T, int, int, int, int, int)"/>), split by columns of Z (rows of W).</summary>
    public static void MultiplyAddTransposedB<T>(ref T a, ref T b, ref T c, int rows, int n, int k)
        where T : unmanaged, IFloatingPointIeee754<T>
        => MultiplyAddTransposedB(ref a, ref b, ref c, ref Unsafe.NullRef<T>(), rows, n, k);

    /// <summary>
    /// As above, with Z's rows first set to <paramref name="bias"/> when it is not a null reference
    /// (Z = b + H·Wᵀ): each part writes the bias into its own columns, so Z's columns are written by
    /// the thread that computes them.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void MultiplyAddTransposedB<T>(ref T a, ref T b, ref T c, ref T bias, int rows, int n, int k)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool streamed = StreamedHalves(rows, n, k);
        int parts = streamed ? StreamedParts : rows < Parallelism.MinimumSamples ? 1 : Parallelism.Parts((long)rows * n * k, n / Block);
        if (parts == 1)
        {
            Columns(ref a, ref b, ref c, ref bias, rows, n, k, 0, n);
            return;
        }

        fixed (T* pa = &a, pb = &b, pc = &c, pbias = &bias)
        {
            var work = TransposedB<T>.ForThisThread();
            work.A = pa;
            work.B = pb;
            work.C = pc;
            work.Bias = pbias;
            (work.Rows, work.N, work.K, work.Block) = (rows, n, k, streamed ? StreamedBlock : Block);
            WorkerPool.Run(work, parts);
        }
    }

    /// <summary>The columns [r0, r1) of Z: the bias, if any, then the product.</summary>
    private static void Columns<T>(ref T a, ref T b, ref T c, ref T bias, int rows, int n, int k, int r0, int r1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!Unsafe.IsNullRef(ref bias))
        {
            var source = MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref bias, r0), r1 - r0);
            for (int s = 0; s < rows; s++)
            {
                source.CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref c, s * n + r0), r1 - r0));
            }
        }

        Gemm.MultiplyAddTransposedB(ref a, ref b, ref c, rows, n, k, r0, r1);
    }

    /// <summary>
    /// dH += dZ·W (see <see cref="Gemm.MultiplyAddNN{T}(ref T, int, ref T, ref T, int, int, int)"/>), split by columns
    /// of dH (and of W) in whole two-vector panels, so each thread packs only its own panels of W.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void MultiplyAddNN<T>(ref T a, int lda, ref T b, ref T c, int m, int n, int k)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (InHalves(m, n, k))
        {
            fixed (T* pa = &a, pb = &b, pc = &c)
            {
                var halves = Halves<T>.ForThisThread();
                halves.A = pa;
                halves.B = pb;
                halves.C = pc;
                (halves.Lda, halves.M, halves.N, halves.K) = (lda, m, n, k);
                halves.Half = Share(k, 0, 2, StreamedHalves(m, k, n) ? StreamedBlock : Block).End;
                var partial = ScratchArrays.Grow(ref halves.Partial, m * n);
                WorkerPool.Run(halves, Parallelism.Degree >= 2 ? 2 : 1);

                // dH += the second half's sum, on the calling thread (the same order for any number of threads).
                Gemm.ScaleAdd(T.One, ref partial[0], ref c, m * n);
            }

            return;
        }

        int panel = 2 * System.Runtime.Intrinsics.Vector256<T>.Count;
        int parts = m < Parallelism.MinimumSamples ? 1 : Parallelism.Parts((long)m * n * k, n / panel);
        if (parts == 1)
        {
            Gemm.MultiplyAddNN(ref a, lda, ref b, ref c, m, n, k);
            return;
        }

        fixed (T* pa = &a, pb = &b, pc = &c)
        {
            var work = NN<T>.ForThisThread();
            work.A = pa;
            work.B = pb;
            work.C = pc;
            (work.Lda, work.M, work.N, work.K, work.Panel) = (lda, m, n, k, panel);
            WorkerPool.Run(work, parts);
        }
    }

    /// <summary>dW (+)= dZᵀ·H, then W −= rate·dW if it steps (see <see cref="Gemm.MultiplyAddTN{T}(ref T, int, ref T, ref T, ref T, int, int, int, GradientWrite{T})"/>), split by rows of dW.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void MultiplyAddTN<T>(ref T a, int lda, ref T b, ref T c, ref T p, int m, int n, int k, GradientWrite<T> write)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool streamed = StreamedHalves(k, m, n);
        int parts = streamed ? StreamedParts : m < 2 * Block || k < Parallelism.MinimumSamples ? 1 : Parallelism.Parts((long)m * n * k, m / Block);
        if (parts == 1)
        {
            Gemm.MultiplyAddTN(ref a, lda, ref b, ref c, ref p, m, n, k, write);
            return;
        }

        fixed (T* pa = &a, pb = &b, pc = &c, pp = &p)
        {
            var work = TN<T>.ForThisThread();
            work.A = pa;
            work.B = pb;
            work.C = pc;
            work.P = pp;
            (work.Lda, work.M, work.N, work.K, work.Write, work.Block) = (lda, m, n, k, write, streamed ? StreamedBlock : Block);
            WorkerPool.Run(work, parts);
        }
    }

    /// <summary>
    /// dH += dZ·W, then dW (+)= dZᵀ·H and the step, for one or two samples in one pass over W (see
    /// <see cref="Gemm.DenseBackwardRows{T}"/>; dZ is k × m, W m × n). Where <see cref="StreamedHalves"/>
    /// says, in the two halves of W's rows that the forward product gives each thread: the first
    /// half's sum into dH, the second's into a buffer added after, on any number of threads.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void DenseBackwardRows<T>(ref T dz, int lda, ref T w, ref T h, ref T dh, ref T c, ref T p, int m, int n, int k, GradientWrite<T> write)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!StreamedHalves(k, m, n))
        {
            Gemm.DenseBackwardRows(ref dz, lda, ref w, ref h, ref dh, ref c, ref p, m, n, k, write);
            return;
        }

        fixed (T* pdz = &dz, pw = &w, ph = &h, pdh = &dh, pc = &c, pp = &p)
        {
            var work = Backward<T>.ForThisThread();
            work.DZ = pdz;
            work.W = pw;
            work.H = ph;
            work.DH = pdh;
            work.C = pc;
            work.P = pp;
            (work.Lda, work.M, work.N, work.K, work.Write, work.Half) = (lda, m, n, k, write, Share(m, 0, 2, StreamedBlock).End);
            if (pdh != null)
            {
                ScratchArrays.Grow(ref work.Partial, k * n);
            }

            WorkerPool.Run(work, StreamedParts);
            if (pdh != null)
            {
                Gemm.ScaleAdd(T.One, ref work.Partial![0], ref dh, k * n);
            }
        }
    }

    /// <summary>The part's share [start, end) of <paramref name="length"/> rows or columns, in whole blocks; the last part takes the rest.</summary>
    internal static (int Start, int End) Share(int length, int part, int parts, int block = Block)
    {
        int blocks = length / block;
        int start = block * (int)((long)blocks * part / parts);
        int end = part == parts - 1 ? length : block * (int)((long)blocks * (part + 1) / parts);
        return (start, end);
    }

    /// <summary>
    /// Whether dH = dZ·W sums over the rows of W in two halves, (dH + Σ first half) + Σ second half:
    /// for products large enough to be split, decided by the shape alone, so the bits do not depend
    /// on the number of threads. The halves are the rows the forward product and the step of W
    /// give to each of two threads; each thread then reads only rows it last wrote. Split by
    /// columns instead, each reads a quarter of W from the other core, which had just stepped it:
    /// at 512×512×32 that made the pair (step, dH) on two threads slower than on one. The second
    /// half's sum (m × n) crosses cores instead, so halves are used where it is the smaller,
    /// 4m ≤ k (mlp-512 at batch 32, not the Fashion-MNIST network's 256 units at batch 128), and
    /// for one or two samples wherever the other passes split (<see cref="StreamedHalves"/>).
    /// </summary>
    private static bool InHalves(int m, int n, int k)
        => StreamedHalves(m, k, n) || (m >= Parallelism.MinimumSamples && 4L * m <= k && (long)m * n * k >= 2 * Parallelism.MinimumWorkPerPart);

    /// <summary>
    /// Whether the passes of <paramref name="samples"/> over W (<paramref name="rows"/> ×
    /// <paramref name="columns"/>) are split into two halves by rows of W: for one or two samples
    /// and W of at least <see cref="Parallelism.MinimumStreamedWork"/> elements, by shape alone.
    /// </summary>
    private static bool StreamedHalves(int samples, int rows, int columns)
        => samples <= Gemm.StreamingSamples && rows >= 2 * StreamedBlock && (long)rows * columns >= Parallelism.MinimumStreamedWork;

    /// <summary>How many threads run a streamed split: two halves, or both on the calling thread.</summary>
    private static int StreamedParts => Parallelism.Degree >= 2 ? 2 : 1;

    /// <summary>dH's two halves: the first into dH itself, the second into a buffer of the calling thread's (added after).</summary>
    private sealed class Halves<T> : PartitionedWork
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        [ThreadStatic]
        private static Halves<T>? t_work;

        public T* A, B, C;
        public int Lda, M, N, K, Half;
        public T[]? Partial;

        public static Halves<T> ForThisThread() => t_work ??= new();

        public override void Run(int part, int parts)
        {
            int k1 = Half;
            if (part == 0)
            {
                Gemm.MultiplyAddNN(ref Unsafe.AsRef<T>(A), Lda, ref Unsafe.AsRef<T>(B), ref Unsafe.AsRef<T>(C), M, N, k1);
            }

            if (part == 1 || parts == 1)
            {
                var partial = Partial.AsSpan(0, M * N);
                partial.Clear();
                Gemm.MultiplyAddNN(ref Unsafe.AsRef<T>(A + k1), Lda, ref Unsafe.AsRef<T>(B + (long)k1 * N), ref partial[0], M, N, K - k1);
            }
        }
    }

    private sealed class TransposedB<T> : PartitionedWork
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        [ThreadStatic]
        private static TransposedB<T>? t_work;

        public T* A, B, C, Bias;
        public int Rows, N, K, Block;

        public static TransposedB<T> ForThisThread() => t_work ??= new();

        public override void Run(int part, int parts)
        {
            var (r0, r1) = Share(N, part, parts, Block);
            ref T bias = ref Bias == null ? ref Unsafe.NullRef<T>() : ref Unsafe.AsRef<T>(Bias);
            Columns(ref Unsafe.AsRef<T>(A), ref Unsafe.AsRef<T>(B), ref Unsafe.AsRef<T>(C), ref bias, Rows, N, K, r0, r1);
        }
    }

    private sealed class NN<T> : PartitionedWork
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        [ThreadStatic]
        private static NN<T>? t_work;

        public T* A, B, C;
        public int Lda, M, N, K, Panel;

        public static NN<T> ForThisThread() => t_work ??= new();

        public override void Run(int part, int parts)
        {
            var (j0, j1) = Share(N, part, parts, Panel);
            Gemm.MultiplyAddNN(ref Unsafe.AsRef<T>(A), Lda, ref Unsafe.AsRef<T>(B + j0), ref Unsafe.AsRef<T>(C + j0), M, j1 - j0, K, N);
        }
    }

    private sealed class TN<T> : PartitionedWork
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        [ThreadStatic]
        private static TN<T>? t_work;

        public T* A, B, C, P;
        public int Lda, M, N, K;
        public int Block;
        public GradientWrite<T> Write;

        public static TN<T> ForThisThread() => t_work ??= new();

        public override void Run(int part, int parts)
        {
            var (i0, i1) = Share(M, part, parts, Block);
            ref T p = ref P == null ? ref Unsafe.NullRef<T>() : ref Unsafe.AsRef<T>(P + (long)i0 * N);
            Gemm.MultiplyAddTN(ref Unsafe.AsRef<T>(A + i0), Lda, ref Unsafe.AsRef<T>(B), ref Unsafe.AsRef<T>(C + (long)i0 * N), ref p, i1 - i0, N, K, Write);
        }
    }

    /// <summary>The two halves of a streamed backward pass: rows [0, Half) of W with dH itself, the rest with the buffer.</summary>
    private sealed class Backward<T> : PartitionedWork
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        [ThreadStatic]
        private static Backward<T>? t_work;

        public T* DZ, W, H, DH, C, P;
        public int Lda, M, N, K, Half;
        public GradientWrite<T> Write;
        public T[]? Partial;

        public static Backward<T> ForThisThread() => t_work ??= new();

        public override void Run(int part, int parts)
        {
            if (part == 0)
            {
                Rows(0, Half, ref At(DH, 0));
            }

            if (part == 1 || parts == 1)
            {
                ref T partial = ref Unsafe.NullRef<T>();
                if (DH != null)
                {
                    var buffer = Partial.AsSpan(0, K * N);
                    buffer.Clear();
                    partial = ref buffer[0];
                }

                Rows(Half, M, ref partial);
            }
        }

        private void Rows(int r0, int r1, ref T dh)
            => Gemm.DenseBackwardRows(ref At(DZ, r0), Lda, ref At(W, (long)r0 * N), ref At(H, 0), ref dh, ref At(C, (long)r0 * N), ref At(P, (long)r0 * N), r1 - r0, N, K, Write);

        /// <summary>The element <paramref name="offset"/> past <paramref name="origin"/>, or a null reference if that is null.</summary>
        private static ref T At(T* origin, long offset) => ref origin == null ? ref Unsafe.NullRef<T>() : ref Unsafe.AsRef<T>(origin + offset);
    }
}
