using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SkipNet.CompilerServices;

// dH and dW of one or two samples on short rows (narrow layers): too few samples to pack, so every
// element of W is read once and every element of dW written once, in strips of columns that keep
// H's and dH's slice in registers.
internal static partial class Gemm
{
    /// <summary>
    /// Whether rows of <paramref name="width"/> elements are short enough (1 KiB or less) for
    /// <see cref="StreamColumns{T}"/>. Longer rows are streamed row by row instead: a strip of
    /// columns down rows 4 KiB apart (mlp-512) ran 4.5 times slower than that, while on 16 to 96
    /// columns the strips took 0.45–0.6 of its time (dH, dW and the step of one sample).
    /// </summary>
    private static bool HasShortRows<T>(int width)
        where T : unmanaged
        => width * Unsafe.SizeOf<T>() <= 1024;

    /// <summary>
    /// For one or two samples (k ≤ 2): dH += dZ·W when <paramref name="dh"/> is not null, then
    /// C (+)= dZᵀ·H and P −= rate·C as <paramref name="write"/> says. dZ is k×m with rows
    /// <paramref name="lda"/> apart, W, C and P are m×n, H and dH are k×n. Columns go in strips
    /// (<see cref="Strips{T, TV, TOps}"/>), 512-bit then 256-bit, each over all m rows with its
    /// slice of H and dH in registers: the only memory traffic is W's read and C's and P's writes.
    /// The numbers are the whole products': each element of dH one chain of FMAs over W's rows in
    /// order (a plain multiply-add past the last 256-bit vector), each of C the FMA of its (one or
    /// two) terms (plain past the last two 256-bit vectors), as <see cref="Scalar{T, TA}(ref T, int, ref T, ref T, ref T, int, int, int, int, int, int, GradientWrite{T})"/>
    /// and <see cref="Axpy{T}"/> do there. Where P is W, each row is read for dH before it is stepped.
    /// </summary>
    private static void StreamColumns<T>(ref T dz, int lda, ref T w, ref T h, ref T dh, ref T c, ref T p, int m, int n, int k, GradientWrite<T> write)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int dwVectors = n - n % (2 * Vector256<T>.Count);
        int j = 0;
        if (UseVector512 && Vector512.IsHardwareAccelerated)
        {
            j = Strips<T, Vector512<T>, Vectors512<T>>(ref dz, lda, ref w, ref h, ref dh, ref c, ref p, m, n, k, 0, dwVectors, write);
        }

        j = Strips<T, Vector256<T>, Vectors256<T>>(ref dz, lda, ref w, ref h, ref dh, ref c, ref p, m, n, k, j, dwVectors, write);
        for (; j < n; j++)
        {
            StreamColumn(ref dz, lda, ref w, ref h, ref dh, ref c, ref p, m, n, k, j, write);
        }
    }

    /// <summary>Column j past the vectors of dW, one element at a time: dH's sum (fused where dH's 256-bit vectors still reach), then C's and P's.</summary>
    private static void StreamColumn<T>(ref T dz, int lda, ref T w, ref T h, ref T dh, ref T c, ref T p, int m, int n, int k, int j, GradientWrite<T> write)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!Unsafe.IsNullRef(ref dh))
        {
            bool fused = Fma.IsSupported && j < n - n % Vector256<T>.Count; // as MulAdd computes it
            for (int i = 0; i < k; i++)
            {
                ref T dzi = ref Unsafe.Add(ref dz, i * lda);
                ref T sum = ref Unsafe.Add(ref dh, i * n + j);
                for (int r = 0; r < m; r++)
                {
                    sum = fused
                        ? T.FusedMultiplyAdd(Unsafe.Add(ref dzi, r), Unsafe.Add(ref w, r * n + j), sum)
                        : sum + Unsafe.Add(ref dzi, r) * Unsafe.Add(ref w, r * n + j);
                }
            }
        }

        Scalar<T, Transposed>(ref dz, lda, ref h, ref c, ref p, 0, m, j, j + 1, n, k, write);
    }

    /// <summary>
    /// The strips of one vector width from column <paramref name="j"/> up to <paramref name="end"/>
    /// (or as far as whole strips reach): for one sample, eight vectors a strip, so that eight of
    /// dH's chains (one FMA per row each) run side by side instead of two; then two-vector strips.
    /// Returns the first column left.
    /// </summary>
    private static int Strips<T, TV, TOps>(ref T dz, int lda, ref T w, ref T h, ref T dh, ref T c, ref T p, int m, int n, int k, int j, int end, GradientWrite<T> write)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TV : struct
        where TOps : struct, IStripVectors<T, TV>
    {
        int width = TOps.Count;
        if (k == 1)
        {
            // Sixteen of dH's registers beside the others only where there are 32 (AVX-512's): with
            // AVX2's sixteen the strip spilled (mlp-128's float step 0.91–0.93× two eight-vector strips).
            for (; StreamWholeRows && Avx512F.IsSupported && j <= end - 16 * width; j += 16 * width)
            {
                Strip16<T, TV, TOps>(ref dz, ref w, ref h, ref dh, ref c, ref p, m, n, j, write);
            }

            for (; j <= end - 8 * width; j += 8 * width)
            {
                Strip8<T, TV, TOps>(ref dz, ref w, ref h, ref dh, ref c, ref p, m, n, j, write);
            }
        }

        for (; j <= end - 2 * width; j += 2 * width)
        {
            Strip2<T, TV, TOps>(ref dz, lda, ref w, ref h, ref dh, ref c, ref p, m, n, k, j, write);
        }

        return j;
    }

    /// <summary>One strip of two vectors of columns from <paramref name="j"/>, over all m rows, for one or two samples.</summary>
    /// <remarks>
    /// The strips are compiled on their own (never inlined), so that their loop keeps the JIT's
    /// inlining budget for <see cref="StoreGradient{T, TV, TOps}"/> and holds dH's sums in registers:
    /// inlined into a larger caller whose budget had run out, each row called the store twice,
    /// spilling and reloading every vector (dH's chain among them) around each call.
    /// </remarks>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Strip2<T, TV, TOps>(ref T dz, int lda, ref T w, ref T h, ref T dh, ref T c, ref T p, int m, int n, int k, int j, GradientWrite<T> write)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TV : struct
        where TOps : struct, IStripVectors<T, TV>
    {
        nuint width = (nuint)TOps.Count, o = (nuint)j, ld = (nuint)n;
        bool withDh = !Unsafe.IsNullRef(ref dh), two = k == 2, zero = write.Overwrite, step = write.Step;
        TV h00 = TOps.Load(ref h, o), h01 = TOps.Load(ref h, o + width);
        TV h10 = two ? TOps.Load(ref h, ld + o) : default, h11 = two ? TOps.Load(ref h, ld + o + width) : default;
        TV d00 = default, d01 = default, d10 = default, d11 = default;
        if (withDh)
        {
            (d00, d01) = (TOps.Load(ref dh, o), TOps.Load(ref dh, o + width));
            if (two)
            {
                (d10, d11) = (TOps.Load(ref dh, ld + o), TOps.Load(ref dh, ld + o + width));
            }
        }

        TV rate = TOps.Broadcast(-write.LearningRate);
        ref T dz1 = ref Unsafe.Add(ref dz, two ? lda : 0);
        for (int r = 0; r < m; r++)
        {
            nuint row = (nuint)r * ld + o;
            TV a0 = TOps.Broadcast(Unsafe.Add(ref dz, r));
            TV a1 = TOps.Broadcast(Unsafe.Add(ref dz1, r));
            if (withDh)
            {
                // dH += a·W's row, read before the step below rewrites it.
                TV w0 = TOps.Load(ref w, row), w1 = TOps.Load(ref w, row + width);
                d00 = TOps.MulAdd(a0, w0, d00);
                d01 = TOps.MulAdd(a0, w1, d01);
                if (two)
                {
                    d10 = TOps.MulAdd(a1, w0, d10);
                    d11 = TOps.MulAdd(a1, w1, d11);
                }
            }

            TV g0 = TOps.MulAdd(a0, h00, zero ? default : TOps.Load(ref c, row));
            TV g1 = TOps.MulAdd(a0, h01, zero ? default : TOps.Load(ref c, row + width));
            if (two)
            {
                g0 = TOps.MulAdd(a1, h10, g0);
                g1 = TOps.MulAdd(a1, h11, g1);
            }

            StoreGradient<T, TV, TOps>(g0, ref c, ref p, row, step, rate);
            StoreGradient<T, TV, TOps>(g1, ref c, ref p, row + width, step, rate);
        }

        if (withDh)
        {
            TOps.Store(d00, ref dh, o);
            TOps.Store(d01, ref dh, o + width);
            if (two)
            {
                TOps.Store(d10, ref dh, ld + o);
                TOps.Store(d11, ref dh, ld + o + width);
            }
        }
    }

    /// <summary>
    /// As <see cref="Strip2{T, TV, TOps}"/> for one sample, eight vectors wide (in
    /// double, 64 columns with 512-bit vectors, 32 with 256-bit ones): eight of dH's chains of FMAs
    /// in flight instead of two, with the strip of H and dH in 16 registers. On mlp-128's step at
    /// batch 1, where W and dW arrive from beyond the L2, this took 17.1–18.0 µs against 18.8–19.4
    /// µs with two-vector strips (`-- floor` in the benchmarks, six alternating runs each), and
    /// with 256-bit vectors only, 18.2–18.8 against 19.5–20.8 µs (a TrainStep loop, six alternating
    /// runs each). The numbers are the same, element by element.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Strip8<T, TV, TOps>(ref T dz, ref T w, ref T h, ref T dh, ref T c, ref T p, int m, int n, int j, GradientWrite<T> write)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TV : struct
        where TOps : struct, IStripVectors<T, TV>
    {
        nuint width = (nuint)TOps.Count, o = (nuint)j, ld = (nuint)n;
        bool withDh = !Unsafe.IsNullRef(ref dh), zero = write.Overwrite, step = write.Step;
        TV h0 = TOps.Load(ref h, o), h1 = TOps.Load(ref h, o + width), h2 = TOps.Load(ref h, o + 2 * width), h3 = TOps.Load(ref h, o + 3 * width);
        TV h4 = TOps.Load(ref h, o + 4 * width), h5 = TOps.Load(ref h, o + 5 * width), h6 = TOps.Load(ref h, o + 6 * width), h7 = TOps.Load(ref h, o + 7 * width);
        TV d0 = default, d1 = default, d2 = default, d3 = default, d4 = default, d5 = default, d6 = default, d7 = default;
        if (withDh)
        {
            (d0, d1, d2, d3) = (TOps.Load(ref dh, o), TOps.Load(ref dh, o + width), TOps.Load(ref dh, o + 2 * width), TOps.Load(ref dh, o + 3 * width));
            (d4, d5, d6, d7) = (TOps.Load(ref dh, o + 4 * width), TOps.Load(ref dh, o + 5 * width), TOps.Load(ref dh, o + 6 * width), TOps.Load(ref dh, o + 7 * width));
        }

        TV rate = TOps.Broadcast(-write.LearningRate);
        for (int r = 0; r < m; r++)
        {
            nuint row = (nuint)r * ld + o;
            TV a = TOps.Broadcast(Unsafe.Add(ref dz, r));
            if (withDh)
            {
                // dH += a·W's row, read before the step below rewrites it.
                d0 = TOps.MulAdd(a, TOps.Load(ref w, row), d0);
                d1 = TOps.MulAdd(a, TOps.Load(ref w, row + width), d1);
                d2 = TOps.MulAdd(a, TOps.Load(ref w, row + 2 * width), d2);
                d3 = TOps.MulAdd(a, TOps.Load(ref w, row + 3 * width), d3);
                d4 = TOps.MulAdd(a, TOps.Load(ref w, row + 4 * width), d4);
                d5 = TOps.MulAdd(a, TOps.Load(ref w, row + 5 * width), d5);
                d6 = TOps.MulAdd(a, TOps.Load(ref w, row + 6 * width), d6);
                d7 = TOps.MulAdd(a, TOps.Load(ref w, row + 7 * width), d7);
            }

            GradientVector<T, TV, TOps>(a, h0, ref c, ref p, row, zero, step, rate);
            GradientVector<T, TV, TOps>(a, h1, ref c, ref p, row + width, zero, step, rate);
            GradientVector<T, TV, TOps>(a, h2, ref c, ref p, row + 2 * width, zero, step, rate);
            GradientVector<T, TV, TOps>(a, h3, ref c, ref p, row + 3 * width, zero, step, rate);
            GradientVector<T, TV, TOps>(a, h4, ref c, ref p, row + 4 * width, zero, step, rate);
            GradientVector<T, TV, TOps>(a, h5, ref c, ref p, row + 5 * width, zero, step, rate);
            GradientVector<T, TV, TOps>(a, h6, ref c, ref p, row + 6 * width, zero, step, rate);
            GradientVector<T, TV, TOps>(a, h7, ref c, ref p, row + 7 * width, zero, step, rate);
        }

        if (withDh)
        {
            TOps.Store(d0, ref dh, o);
            TOps.Store(d1, ref dh, o + width);
            TOps.Store(d2, ref dh, o + 2 * width);
            TOps.Store(d3, ref dh, o + 3 * width);
            TOps.Store(d4, ref dh, o + 4 * width);
            TOps.Store(d5, ref dh, o + 5 * width);
            TOps.Store(d6, ref dh, o + 6 * width);
            TOps.Store(d7, ref dh, o + 7 * width);
        }
    }

    /// <summary>
    /// As <see cref="Strip8{T, TV, TOps}"/>, sixteen vectors wide (in double, 128 columns with 512-bit
    /// vectors), where the CPU has AVX-512's 32 vector registers: sixteen of dH's chains in
    /// registers, the strip of H read from L1 on each row. Where
    /// that is the whole row (mlp-128 in double), W, dW and the step go through memory as one
    /// stream, row after row, instead of half-rows 1 KiB apart: the same traffic took 11.2–11.3
    /// against 13.6–13.7 µs that way (four 128 × 128 layers, a plain loop). The numbers are the same,
    /// element by element.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Strip16<T, TV, TOps>(ref T dz, ref T w, ref T h, ref T dh, ref T c, ref T p, int m, int n, int j, GradientWrite<T> write)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TV : struct
        where TOps : struct, IStripVectors<T, TV>
    {
        nuint width = (nuint)TOps.Count, o = (nuint)j, ld = (nuint)n;
        bool withDh = !Unsafe.IsNullRef(ref dh), zero = write.Overwrite, step = write.Step;
        ref T hs = ref Unsafe.Add(ref h, o);
        TV d0 = default, d1 = default, d2 = default, d3 = default, d4 = default, d5 = default, d6 = default, d7 = default;
        TV d8 = default, d9 = default, d10 = default, d11 = default, d12 = default, d13 = default, d14 = default, d15 = default;
        if (withDh)
        {
            (d0, d1, d2, d3) = (TOps.Load(ref dh, o), TOps.Load(ref dh, o + width), TOps.Load(ref dh, o + 2 * width), TOps.Load(ref dh, o + 3 * width));
            (d4, d5, d6, d7) = (TOps.Load(ref dh, o + 4 * width), TOps.Load(ref dh, o + 5 * width), TOps.Load(ref dh, o + 6 * width), TOps.Load(ref dh, o + 7 * width));
            (d8, d9, d10, d11) = (TOps.Load(ref dh, o + 8 * width), TOps.Load(ref dh, o + 9 * width), TOps.Load(ref dh, o + 10 * width), TOps.Load(ref dh, o + 11 * width));
            (d12, d13, d14, d15) = (TOps.Load(ref dh, o + 12 * width), TOps.Load(ref dh, o + 13 * width), TOps.Load(ref dh, o + 14 * width), TOps.Load(ref dh, o + 15 * width));
        }

        TV rate = TOps.Broadcast(-write.LearningRate);
        for (int r = 0; r < m; r++)
        {
            nuint row = (nuint)r * ld + o;
            TV a = TOps.Broadcast(Unsafe.Add(ref dz, r));
            if (withDh)
            {
                // dH += a·W's row, read before the step below rewrites it.
                d0 = TOps.MulAdd(a, TOps.Load(ref w, row), d0);
                d1 = TOps.MulAdd(a, TOps.Load(ref w, row + width), d1);
                d2 = TOps.MulAdd(a, TOps.Load(ref w, row + 2 * width), d2);
                d3 = TOps.MulAdd(a, TOps.Load(ref w, row + 3 * width), d3);
                d4 = TOps.MulAdd(a, TOps.Load(ref w, row + 4 * width), d4);
                d5 = TOps.MulAdd(a, TOps.Load(ref w, row + 5 * width), d5);
                d6 = TOps.MulAdd(a, TOps.Load(ref w, row + 6 * width), d6);
                d7 = TOps.MulAdd(a, TOps.Load(ref w, row + 7 * width), d7);
                d8 = TOps.MulAdd(a, TOps.Load(ref w, row + 8 * width), d8);
                d9 = TOps.MulAdd(a, TOps.Load(ref w, row + 9 * width), d9);
                d10 = TOps.MulAdd(a, TOps.Load(ref w, row + 10 * width), d10);
                d11 = TOps.MulAdd(a, TOps.Load(ref w, row + 11 * width), d11);
                d12 = TOps.MulAdd(a, TOps.Load(ref w, row + 12 * width), d12);
                d13 = TOps.MulAdd(a, TOps.Load(ref w, row + 13 * width), d13);
                d14 = TOps.MulAdd(a, TOps.Load(ref w, row + 14 * width), d14);
                d15 = TOps.MulAdd(a, TOps.Load(ref w, row + 15 * width), d15);
            }

            GradientVector<T, TV, TOps>(a, TOps.Load(ref hs, 0), ref c, ref p, row, zero, step, rate);
            GradientVector<T, TV, TOps>(a, TOps.Load(ref hs, width), ref c, ref p, row + width, zero, step, rate);
            GradientVector<T, TV, TOps>(a, TOps.Load(ref hs, 2 * width), ref c, ref p, row + 2 * width, zero, step, rate);
            GradientVector<T, TV, TOps>(a, TOps.Load(ref hs, 3 * width), ref c, ref p, row + 3 * width, zero, step, rate);
            GradientVector<T, TV, TOps>(a, TOps.Load(ref hs, 4 * width), ref c, ref p, row + 4 * width, zero, step, rate);
            GradientVector<T, TV, TOps>(a, TOps.Load(ref hs, 5 * width), ref c, ref p, row + 5 * width, zero, step, rate);
            GradientVector<T, TV, TOps>(a, TOps.Load(ref hs, 6 * width), ref c, ref p, row + 6 * width, zero, step, rate);
            GradientVector<T, TV, TOps>(a, TOps.Load(ref hs, 7 * width), ref c, ref p, row + 7 * width, zero, step, rate);
            GradientVector<T, TV, TOps>(a, TOps.Load(ref hs, 8 * width), ref c, ref p, row + 8 * width, zero, step, rate);
            GradientVector<T, TV, TOps>(a, TOps.Load(ref hs, 9 * width), ref c, ref p, row + 9 * width, zero, step, rate);
            GradientVector<T, TV, TOps>(a, TOps.Load(ref hs, 10 * width), ref c, ref p, row + 10 * width, zero, step, rate);
            GradientVector<T, TV, TOps>(a, TOps.Load(ref hs, 11 * width), ref c, ref p, row + 11 * width, zero, step, rate);
            GradientVector<T, TV, TOps>(a, TOps.Load(ref hs, 12 * width), ref c, ref p, row + 12 * width, zero, step, rate);
            GradientVector<T, TV, TOps>(a, TOps.Load(ref hs, 13 * width), ref c, ref p, row + 13 * width, zero, step, rate);
            GradientVector<T, TV, TOps>(a, TOps.Load(ref hs, 14 * width), ref c, ref p, row + 14 * width, zero, step, rate);
            GradientVector<T, TV, TOps>(a, TOps.Load(ref hs, 15 * width), ref c, ref p, row + 15 * width, zero, step, rate);
        }

        if (withDh)
        {
            TOps.Store(d0, ref dh, o);
            TOps.Store(d1, ref dh, o + width);
            TOps.Store(d2, ref dh, o + 2 * width);
            TOps.Store(d3, ref dh, o + 3 * width);
            TOps.Store(d4, ref dh, o + 4 * width);
            TOps.Store(d5, ref dh, o + 5 * width);
            TOps.Store(d6, ref dh, o + 6 * width);
            TOps.Store(d7, ref dh, o + 7 * width);
            TOps.Store(d8, ref dh, o + 8 * width);
            TOps.Store(d9, ref dh, o + 9 * width);
            TOps.Store(d10, ref dh, o + 10 * width);
            TOps.Store(d11, ref dh, o + 11 * width);
            TOps.Store(d12, ref dh, o + 12 * width);
            TOps.Store(d13, ref dh, o + 13 * width);
            TOps.Store(d14, ref dh, o + 14 * width);
            TOps.Store(d15, ref dh, o + 15 * width);
        }
    }

    /// <summary>One vector of a one-sample strip's gradient row: C (+)= a·h, then stored as <see cref="StoreGradient{T, TV, TOps}"/> does.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GradientVector<T, TV, TOps>(TV a, TV h, ref T c, ref T p, nuint at, bool zero, bool step, TV rate)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TV : struct
        where TOps : struct, IStripVectors<T, TV>
        => StoreGradient<T, TV, TOps>(TOps.MulAdd(a, h, zero ? default : TOps.Load(ref c, at)), ref c, ref p, at, step, rate);

    /// <summary>A vector of the gradient g stored into C, then P += rate·g if it steps (rate is −lr): every strip's store and step.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreGradient<T, TV, TOps>(TV g, ref T c, ref T p, nuint at, bool step, TV rate)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TV : struct
        where TOps : struct, IStripVectors<T, TV>
    {
        TOps.Store(g, ref c, at);
        if (step)
        {
            TOps.Store(TOps.AddScaled(TOps.Load(ref p, at), rate, g), ref p, at);
        }
    }

    /// <summary>The vector operations of the strips (<see cref="Strip2{T, TV, TOps}"/>, <see cref="Strip8{T, TV, TOps}"/>), for one width (resolved by the JIT per width, as <see cref="IPanels{T}"/> is).</summary>
    private interface IStripVectors<T, TV>
        where T : unmanaged, IFloatingPointIeee754<T>
        where TV : struct
    {
        /// <summary>Elements per vector.</summary>
        static abstract int Count { get; }

        static abstract TV Load(ref T source, nuint offset);

        static abstract void Store(TV value, ref T destination, nuint offset);

        static abstract TV Broadcast(T value);

        /// <summary>a·b + c, fused where the CPU has FMA (<see cref="MulAdd{T}"/>, <see cref="MulAdd512{T}"/>).</summary>
        static abstract TV MulAdd(TV a, TV b, TV c);

        /// <summary>p + rate·g, a multiply then an add, as the step of every other path.</summary>
        static abstract TV AddScaled(TV p, TV rate, TV g);
    }

    private readonly struct Vectors256<T> : IStripVectors<T, Vector256<T>>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static int Count => Vector256<T>.Count;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<T> Load(ref T source, nuint offset) => Vector256.LoadUnsafe(ref source, offset);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store(Vector256<T> value, ref T destination, nuint offset) => value.StoreUnsafe(ref destination, offset);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<T> Broadcast(T value) => Vector256.Create(value);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<T> MulAdd(Vector256<T> a, Vector256<T> b, Vector256<T> c) => Gemm.MulAdd(a, b, c);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<T> AddScaled(Vector256<T> p, Vector256<T> rate, Vector256<T> g) => p + rate * g;
    }

    private readonly struct Vectors512<T> : IStripVectors<T, Vector512<T>>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static int Count => Vector512<T>.Count;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<T> Load(ref T source, nuint offset) => Vector512.LoadUnsafe(ref source, offset);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store(Vector512<T> value, ref T destination, nuint offset) => value.StoreUnsafe(ref destination, offset);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<T> Broadcast(T value) => Vector512.Create(value);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<T> MulAdd(Vector512<T> a, Vector512<T> b, Vector512<T> c) => MulAdd512(a, b, c);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<T> AddScaled(Vector512<T> p, Vector512<T> rate, Vector512<T> g) => p + rate * g;
    }
}
