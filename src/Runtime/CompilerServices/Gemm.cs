using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

// The packed-operand stack buffers are written before they are read; zeroing them on every call
// cost more than the product itself for small layers.
[module: SkipLocalsInit]

namespace SkipNet.CompilerServices;

/// <summary>
/// Register-blocked matrix products on row-major matrices, on the widest vectors the CPU has (512,
/// 256 or 128 bits, fused where it has FMA) and plain scalar loops elsewhere; block sizes from
/// <see cref="Blocking"/>. Callers check the sizes.
/// </summary>
internal static partial class Gemm
{
    /// <summary>
    /// C[s, r] += Σ_k A[s, k]·B[r, k] (Z += H·Wᵀ; A is rows×k, B is n×k, C is rows×n), on the columns
    /// [r0, r1) of C only (r0 a multiple of 4; r1 too, or n): each element is computed as by the whole product.
    /// </summary>
    public static void MultiplyAddTransposedB<T>(ref T a, ref T b, ref T c, int rows, int n, int k, int r0, int r1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // With 512-bit vectors the packed panels beat the dot blocks (at 512×512×32: 64 against 57
        // GFLOP/s in double, 129 against 100 in float); with 256-bit ones they lose (71 against 88
        // in float), so there the dot blocks stay, and the bits differ slightly between the two.
        // A single sample takes eight rows at a time in 512-bit vectors (mlp-16's step 9 % faster).
        // Where 128-bit vectors are the widest (ARM64's NEON), the packed panels beat the scalar dot products.
        bool packed = rows >= PackedForwardSamples && r1 - r0 >= 4 && ((UseVector512 && Vector512.IsHardwareAccelerated) || HasNarrowVectorRows<T>(rows));
        int first = packed ? MultiplyAddTransposedBPacked(ref a, ref b, ref c, rows, n, k, r0, r1) : 0;
        int r = r0;

        // One sample, in 512-bit vectors: rows of 1 KiB or more one after another, each summed along
        // itself, so that W is read as one stream (mlp-128's forward pass 1.16–1.34× as fast in double:
        // `-- wholerows`); shorter rows eight at a time, their sums transposed as they add.
        if (rows == 1 && UseVector512 && Avx512F.IsSupported && k >= Vector512<T>.Count)
        {
            if (StreamWholeRows && k >= RowDotLength<T>())
            {
                for (; r < Math.Min(r1, n); r++)
                {
                    T dot = DotRow512(ref a, ref Unsafe.Add(ref b, r * k), k);
                    Unsafe.Add(ref c, r) += dot;
                }
            }

            for (; r <= Math.Min(r1, n) - 8; r += 8)
            {
                DotBlock1x8W(ref a, ref Unsafe.Add(ref b, r * k), ref Unsafe.Add(ref c, r), k);
            }
        }

        for (; r <= Math.Min(r1, n) - 4; r += 4)
        {
            int s = first;
            for (; s <= rows - 4; s += 4)
            {
                DotBlock4x4(ref a, ref b, ref c, s, r, n, k);
            }

            for (; s <= rows - 2; s += 2)
            {
                DotBlock2x4(ref a, ref b, ref c, s, r, n, k);
            }

            if (s < rows)
            {
                DotBlock1x4(ref a, ref b, ref c, s, r, n, k);
            }
        }

        for (; r < r1; r++)
        {
            for (int s = first; s < rows; s++)
            {
                Unsafe.Add(ref c, s * n + r) += Dot(ref Unsafe.Add(ref a, s * k), ref Unsafe.Add(ref b, r * k), k);
            }
        }
    }

    /// <summary>Samples from which the forward product runs in packed register panels (fewer: dot products, W streamed once).</summary>
    internal const int PackedForwardSamples = 8;

    /// <summary>
    /// Z += H·Wᵀ on the columns [r0, r1) of Z, for the first samples that fill whole two-vector
    /// panels: computed as Zᵀ = W·Hᵀ by dH's packed register panels (H packed transposed, W's rows
    /// broadcast; with 512-bit vectors, four-vector panels where the samples fill them), in a
    /// per-thread scratch, then added to Z. Returns how many samples it did.
    /// </summary>
    private static int MultiplyAddTransposedBPacked<T>(ref T h, ref T w, ref T z, int rows, int n, int k, int r0, int r1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool narrow = HasNarrowVectorRows<T>(rows);
        int wide = UseVector512 && Vector512.IsHardwareAccelerated ? rows - rows % (2 * Vector512<T>.Count) : 0;
        int samples = rows - (rows - wide) % (2 * (narrow ? Vector128<T>.Count : Vector256<T>.Count));
        int units = r1 - r0;
        if (samples == 0)
        {
            return 0;
        }

        var scratch = Scratch<T>.Get(units * samples);
        Array.Clear(scratch, 0, units * samples);
        ref T zt = ref MemoryMarshal.GetArrayDataReference(scratch);
        ref T wr = ref Unsafe.Add(ref w, r0 * k);
        if (wide > 0)
        {
            // Four-vector panels where the samples fill them (32 in double, 64 in float), two-vector ones for the rest.
            int four = FourVectorPanels ? wide - wide % (4 * Vector512<T>.Count) : 0;
            if (four > 0)
            {
                MultiplyAddNNFourVectors(ref wr, k, ref h, k, ref zt, samples, units, four, k);
            }

            if (four < wide)
            {
                MultiplyAddNNPacked<T, Panels512<T>, ColumnsOfB>(ref wr, k, ref Unsafe.Add(ref h, four * k), k, ref Unsafe.Add(ref zt, four), samples, units, wide - four, k);
            }
        }

        if (narrow)
        {
            MultiplyAddNNPacked<T, Panels128<T>, ColumnsOfB>(ref wr, k, ref h, k, ref zt, samples, units, samples, k);
        }
        else if (samples > wide)
        {
            MultiplyAddNNPacked<T, Panels256<T>, ColumnsOfB>(ref wr, k, ref Unsafe.Add(ref h, wide * k), k, ref Unsafe.Add(ref zt, wide), samples, units, samples - wide, k);
        }

        Transpose.Add(ref zt, samples, ref Unsafe.Add(ref z, r0), n, units, samples);

        return samples;
    }

    /// <summary>
    /// Whether the forward product runs its samples in four-vector panels of 512-bit vectors where
    /// they fill them (<see cref="MultiplyAddNNFourVectors{T}"/>) rather than in two-vector ones:
    /// the same bits. Tests and `-- fourwide` compare both ways.
    /// </summary>
    internal static bool FourVectorPanels { get; set; } = true;

    /// <summary>
    /// Zᵀ += W·Hᵀ for n samples, a multiple of four 512-bit vectors (H stored as rows of k, B = Hᵀ, as
    /// <see cref="ColumnsOfB"/> reads it): panels of four vectors of samples against four rows of W at a
    /// time (16 accumulators), rows past the last four two vectors at a time. Against two-vector
    /// panels with eight rows of W, each element of W is read from beyond the L2 once for every four
    /// vectors of samples rather than every two, and four rows of W, not eight, share the L1 with
    /// the panel (mlp-512's forward product in double at batch 32: `-- fourwide`). Each element is the same
    /// chain of FMAs in the order of k, so the same bits as the two-vector panels.
    /// </summary>
    private static void MultiplyAddNNFourVectors<T>(ref T a, int lda, ref T b, int ldb, ref T c, int ldc, int m, int n, int k)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int width = Vector512<T>.Count, panelWidth = 4 * width;

        // Three quarters of the three-vector panel's rows of k: the same bytes of L1 (Blocking).
        int kBlock = Math.Max(8, Panels512<T>.KBlock * 3 / 4);
        Span<T> packed = stackalloc T[kBlock * panelWidth];
        ref T p = ref MemoryMarshal.GetReference(packed);
        for (int k0 = 0; k0 < k; k0 += kBlock)
        {
            int kc = Math.Min(kBlock, k - k0);
            ref T ak = ref Unsafe.Add(ref a, k0);
            for (int j = 0; j < n; j += panelWidth)
            {
                ColumnsOfB.Pack<T, Panels512<T>>(ref b, ldb, k0, kc, j, 4, ref p);
                int i = 0;
                for (; i <= m - 4; i += 4)
                {
                    Panel4x4W(ref ak, lda, ref p, panelWidth, ref Unsafe.Add(ref c, j), ldc, i, kc);
                }

                for (; i < m; i++)
                {
                    Panel1x2W<T, Normal>(ref ak, lda, ref p, panelWidth, ref Unsafe.Add(ref c, j), ref Unsafe.NullRef<T>(), ldc, i, kc, default);
                    Panel1x2W<T, Normal>(ref ak, lda, ref Unsafe.Add(ref p, 2 * width), panelWidth, ref Unsafe.Add(ref c, j + 2 * width), ref Unsafe.NullRef<T>(), ldc, i, kc, default);
                }
            }
        }
    }

    /// <summary>C[i, j] += Σ_k A[i·lda + k]·B[k, j], with A m×k, B k×n and C m×n (dH += dZ·W).</summary>
    public static void MultiplyAddNN<T>(ref T a, int lda, ref T b, ref T c, int m, int n, int k)
        where T : unmanaged, IFloatingPointIeee754<T>
        => MultiplyAddNN(ref a, lda, ref b, ref c, m, n, k, n);

    /// <summary>
    /// As above, on n columns of B and C whose rows are <paramref name="ld"/> apart (a column block of
    /// wider matrices). Each element is computed as by the whole product as long as the block starts
    /// on a multiple of two vectors and, unless it ends at the last column, ends on one too.
    /// </summary>
    public static void MultiplyAddNN<T>(ref T a, int lda, ref T b, ref T c, int m, int n, int k, int ld)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!HasVectorRows<T>(n))
        {
            // Where 128-bit vectors are the widest: packed panels for any number of samples (the
            // streaming strips of one or two are written for 256- and 512-bit vectors; the chains are the same).
            if (HasNarrowVectorRows<T>(n))
            {
                MultiplyAddNNPacked<T, Panels128<T>, RowsOfB>(ref a, lda, ref b, ld, ref c, ld, m, n, k);
                return;
            }

            Scalar<T, Normal>(ref a, lda, ref b, ref c, 0, m, 0, n, ld, k);
            return;
        }

        if (m <= StreamingSamples)
        {
            // Too few rows to reuse a packed panel: stream the rows of B once, C's rows stay in L1.
            for (int i = 0; i < m; i++)
            {
                ref T ci = ref Unsafe.Add(ref c, i * ld);
                int kk = 0;
                for (; kk <= k - 4; kk += 4)
                {
                    Axpy4(ref Unsafe.Add(ref a, i * lda + kk), ref Unsafe.Add(ref b, kk * ld), ld, ref ci, n);
                }

                for (; kk < k; kk++)
                {
                    Axpy(Unsafe.Add(ref a, i * lda + kk), ref Unsafe.Add(ref b, kk * ld), ref ci, n);
                }
            }

            return;
        }

        // As for dW: 512-bit panels on the columns they fill, 256-bit ones (and the same scalar tail)
        // on the rest; one chain of FMAs per element either way, so the same bits.
        int wide = UseVector512 && Vector512.IsHardwareAccelerated ? n - n % (2 * Vector512<T>.Count) : 0;
        if (wide > 0)
        {
            MultiplyAddNNPacked<T, Panels512<T>, RowsOfB>(ref a, lda, ref b, ld, ref c, ld, m, wide, k);
        }

        if (wide < n)
        {
            MultiplyAddNNPacked<T, Panels256<T>, RowsOfB>(ref a, lda, ref Unsafe.Add(ref b, wide), ld, ref Unsafe.Add(ref c, wide), ld, m, n - wide, k);
        }
    }

    /// <summary>
    /// The packed product (m &gt; 2 on 256- and 512-bit vectors, any m on 128-bit ones), in <typeparamref name="TW"/>'s vectors, with B read as
    /// <typeparamref name="TB"/> says; columns past the last whole two-vector panel one element at a
    /// time (B's rows, then, are <paramref name="ldc"/> apart too).
    /// </summary>
    private static void MultiplyAddNNPacked<T, TW, TB>(ref T a, int lda, ref T b, int ldb, ref T c, int ldc, int m, int n, int k)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TW : struct, IPanels<T>
        where TB : struct, IPanelSource
    {
        int width = TW.Width;

        // Blocks of KBlock rows of B (Blocking: a share of the L1); each column panel of a block
        // (three vectors wide, then two for the rest) is packed into a contiguous stack buffer, then
        // every four- or eight-row panel of C runs over it from L1.
        int kBlock = TW.KBlock;
        Span<T> packed = stackalloc T[kBlock * 3 * TW.Width];
        ref T p = ref MemoryMarshal.GetReference(packed);
        int jEnd = n - n % (2 * width);
        int threeWideEnd = ThreeWideEnd(jEnd, width);
        int eights = m - m % 8;
        bool refilled = false;
        for (int k0 = 0; k0 < k; k0 += kBlock)
        {
            int kc = Math.Min(kBlock, k - k0);
            ref T ak = ref Unsafe.Add(ref a, k0);
            int j = 0;
            while (j < jEnd)
            {
                int vectors = j < threeWideEnd ? 3 : 2;
                int panelWidth = vectors * width;
                if (!refilled)
                {
                    TB.Pack<T, TW>(ref b, ldb, k0, kc, j, vectors, ref p);
                }

                // The rows past the last eight-row panel first, so that an eight-row panel reads
                // the packed panel last (the order of C's rows changes no element's chain).
                int i = eights;
                for (; i <= m - 4; i += 4)
                {
                    if (vectors == 3)
                    {
                        TW.Panel4x3<Normal>(ref ak, lda, ref p, panelWidth, ref Unsafe.Add(ref c, j), ref Unsafe.NullRef<T>(), ldc, i, kc, default);
                    }
                    else
                    {
                        TW.Panel4x2<Normal>(ref ak, lda, ref p, panelWidth, ref Unsafe.Add(ref c, j), ref Unsafe.NullRef<T>(), ldc, i, kc, default);
                    }
                }

                for (; i < m; i++)
                {
                    // One row left: a two-vector pass, and a one-vector pass for a third vector. Every
                    // element is the same chain of FMAs whatever the panel's width, so a column block
                    // of the product (ParallelGemm) computes each element exactly as the whole does.
                    TW.Panel1x2<Normal>(ref ak, lda, ref p, panelWidth, ref Unsafe.Add(ref c, j), ref Unsafe.NullRef<T>(), ldc, i, kc, default);
                    if (vectors == 3)
                    {
                        TW.Panel1x1(ref ak, lda, ref Unsafe.Add(ref p, 2 * width), panelWidth, ref Unsafe.Add(ref c, j + 2 * width), ldc, i, kc);
                    }
                }

                // Where B's rows are copied as they are and the next panel is three vectors wide
                // too, with as many rows, the packing overlaps the products: the eight-row panels
                // before the last prefetch its rows into the L2 (a line of each row apiece), and
                // the last, which reads this panel last, copies the next one's rows over it as it
                // goes. A panel packed all at once keeps the core waiting for B (W, 2 MiB at
                // mlp-512) from beyond the L2 (see RefillPanels).
                var (nextK0, nextJ) = j + panelWidth < jEnd ? (k0, j + panelWidth) : (k0 + kBlock, 0);
                refilled = RefillPanels && typeof(TB) == typeof(RowsOfB) && eights > 0 && vectors == 3
                    && nextJ < threeWideEnd && nextK0 < k && Math.Min(kBlock, k - nextK0) == kc;
                for (i = 0; i < eights; i += 8)
                {
                    if (vectors == 2)
                    {
                        TW.Panel8x2<Normal>(ref ak, lda, ref p, panelWidth, ref Unsafe.Add(ref c, j), ref Unsafe.NullRef<T>(), ldc, i, kc, default);
                    }
                    else if (!refilled)
                    {
                        TW.Panel8x3<Normal, NoNextPanel>(ref ak, lda, ref p, panelWidth, ref Unsafe.Add(ref c, j), ref Unsafe.NullRef<T>(), ldc, i, kc, default, ref Unsafe.NullRef<T>(), 0);
                    }
                    else if (i == eights - 8)
                    {
                        TW.Panel8x3<Normal, RefillWithNextPanel>(ref ak, lda, ref p, panelWidth, ref Unsafe.Add(ref c, j), ref Unsafe.NullRef<T>(), ldc, i, kc, default, ref Unsafe.Add(ref b, nextK0 * ldb + nextJ), ldb);
                    }
                    else
                    {
                        // Line i / 8 of each of the next panel's rows (beyond its last line, that line again).
                        int line = Math.Min(i / 8 * (64 / Unsafe.SizeOf<T>()), panelWidth - 1);
                        TW.Panel8x3<Normal, FetchNextPanel>(ref ak, lda, ref p, panelWidth, ref Unsafe.Add(ref c, j), ref Unsafe.NullRef<T>(), ldc, i, kc, default, ref Unsafe.Add(ref b, nextK0 * ldb + nextJ + line), ldb);
                    }
                }

                j += panelWidth;
            }

            if (jEnd < n)
            {
                Scalar<T, Normal>(ref ak, lda, ref Unsafe.Add(ref b, k0 * ldb), ref c, 0, m, jEnd, n, ldc, kc);
            }
        }
    }

    /// <summary>
    /// Whether dH's packed panels are refilled in place with the next panel's rows by the last
    /// eight-row panel to read them, the ones before prefetching those rows (where B's rows are
    /// copied as stored), rather than packed all at once before their products: the same bits,
    /// since only when B is read changes. Tests and `-- refill` compare both ways.
    /// </summary>
    internal static bool RefillPanels { get; set; } = true;

    /// <summary>What a three-vector panel kernel does, row by row, with the next panel while it multiplies this one.</summary>
    internal interface INextPanel
    {
        /// <summary>Called for each row kk once the kernel has loaded the panel's row (<paramref name="row"/>); <paramref name="next"/> is the next panel's row kk in B.</summary>
        static abstract void Row<T, TW>(ref T row, ref T next)
            where T : unmanaged, IFloatingPointIeee754<T>
            where TW : struct, IPanels<T>;
    }

    /// <summary>Nothing.</summary>
    internal readonly struct NoNextPanel : INextPanel
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Row<T, TW>(ref T row, ref T next)
            where T : unmanaged, IFloatingPointIeee754<T>
            where TW : struct, IPanels<T>
        {
        }
    }

    /// <summary>Prefetches the line at <c>next</c> into the L2 (x86; elsewhere nothing).</summary>
    internal readonly struct FetchNextPanel : INextPanel
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe void Row<T, TW>(ref T row, ref T next)
            where T : unmanaged, IFloatingPointIeee754<T>
            where TW : struct, IPanels<T>
        {
            if (Sse.IsSupported)
            {
                // A hint only: the address of B's element, pinned or not, is never dereferenced.
                Sse.Prefetch1(Unsafe.AsPointer(ref next));
            }
        }
    }

    /// <summary>Copies the next panel's row over this one, whose three vectors the kernel has already loaded.</summary>
    internal readonly struct RefillWithNextPanel : INextPanel
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Row<T, TW>(ref T row, ref T next)
            where T : unmanaged, IFloatingPointIeee754<T>
            where TW : struct, IPanels<T>
        {
            nuint width = (nuint)TW.Width;
            TW.Copy(ref next, 0, ref row, 0);
            TW.Copy(ref next, width, ref row, width);
            TW.Copy(ref next, 2 * width, ref row, 2 * width);
        }
    }

    /// <summary>How a packed product reads B (k × n) into a panel: kc rows from k0, columns j.. (vectors × width).</summary>
    internal interface IPanelSource
    {
        static abstract void Pack<T, TW>(ref T b, int ldb, int k0, int kc, int j, int vectors, ref T panel)
            where T : unmanaged, IFloatingPointIeee754<T>
            where TW : struct, IPanels<T>;
    }

    /// <summary>B[k, j] = b[k·ldb + j]: copies whole vectors of B's rows.</summary>
    internal readonly struct RowsOfB : IPanelSource
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Pack<T, TW>(ref T b, int ldb, int k0, int kc, int j, int vectors, ref T panel)
            where T : unmanaged, IFloatingPointIeee754<T>
            where TW : struct, IPanels<T>
        {
            int width = TW.Width, panelWidth = vectors * width;
            for (int kk = 0; kk < kc; kk++)
            {
                ref T row = ref Unsafe.Add(ref b, (k0 + kk) * ldb + j);
                for (int v = 0; v < vectors; v++)
                {
                    TW.Copy(ref row, (nuint)(v * width), ref panel, (nuint)(kk * panelWidth + v * width));
                }
            }
        }
    }

    /// <summary>B[k, j] = b[j·ldb + k] (B is stored transposed, as H is for Zᵀ = W·Hᵀ): reads B's stored rows, writes the panel's columns.</summary>
    internal readonly struct ColumnsOfB : IPanelSource
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Pack<T, TW>(ref T b, int ldb, int k0, int kc, int j, int vectors, ref T panel)
            where T : unmanaged, IFloatingPointIeee754<T>
            where TW : struct, IPanels<T>
        {
            int panelWidth = vectors * TW.Width;
            Transpose.Copy(ref Unsafe.Add(ref b, j * ldb + k0), ldb, ref panel, panelWidth, panelWidth, kc);
        }
    }

    /// <summary>C[i, j] += Σ_k A[k·lda + i]·B[k, j], with A k×m (so Aᵀ is m×k), B k×n and C m×n (dW += dZᵀ·H).</summary>
    public static void MultiplyAddTN<T>(ref T a, int lda, ref T b, ref T c, int m, int n, int k)
        where T : unmanaged, IFloatingPointIeee754<T>
        => MultiplyAddTN(ref a, lda, ref b, ref c, ref Unsafe.NullRef<T>(), m, n, k, GradientWrite<T>.Accumulate);

    /// <summary>
    /// As above, with C a gradient stored as <paramref name="write"/> says: written over instead of
    /// added to, and followed by P −= rate·C (P is m×n like C) if it steps. Both happen in the
    /// register panels' own loads and stores, so neither is a pass over memory of its own.
    /// </summary>
    public static void MultiplyAddTN<T>(ref T a, int lda, ref T b, ref T c, ref T p, int m, int n, int k, GradientWrite<T> write)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!HasVectorRows<T>(n))
        {
            // Where 128-bit vectors are the widest: packed panels for any number of samples (the
            // streaming strips of one or two are written for 256- and 512-bit vectors; the chains are the same).
            if (HasNarrowVectorRows<T>(n))
            {
                MultiplyAddTNPacked<T, Panels128<T>>(ref a, lda, ref b, ref c, ref p, m, n, k, write, n);
                return;
            }

            Scalar<T, Transposed>(ref a, lda, ref b, ref c, ref p, 0, m, 0, n, n, k, write);
            return;
        }

        if (k <= StreamingSamples)
        {
            DenseBackwardRows(ref a, lda, ref Unsafe.NullRef<T>(), ref b, ref Unsafe.NullRef<T>(), ref c, ref p, m, n, k, write);
            return;
        }

        // The 512-bit panels take the columns they fill; the 256-bit ones the rest, with the same
        // scalar tail as on their own. Every element is one chain of FMAs either way, so the
        // results do not depend on which vectors the CPU has.
        int wide = UseVector512 && Vector512.IsHardwareAccelerated ? n - n % (2 * Vector512<T>.Count) : 0;
        if (wide > 0)
        {
            MultiplyAddTNPacked<T, Panels512<T>>(ref a, lda, ref b, ref c, ref p, m, wide, k, write, n);
        }

        if (wide < n)
        {
            ref T pRest = ref Unsafe.IsNullRef(ref p) ? ref p : ref Unsafe.Add(ref p, wide);
            MultiplyAddTNPacked<T, Panels256<T>>(ref a, lda, ref Unsafe.Add(ref b, wide), ref Unsafe.Add(ref c, wide), ref pRest, m, n - wide, k, write, n);
        }
    }

    /// <summary>
    /// dW (+)= dZᵀ·H for one or two samples, row by row: at batch 1 packing the operands cost as
    /// much as the product. Each element is the panels' chain of FMAs on the columns they cover
    /// and <see cref="Scalar{T, TA}(ref T, int, ref T, ref T, ref T, int, int, int, int, int, int, GradientWrite{T})"/>'s
    /// sum on the rest, stored and stepped with the packed panels' arithmetic (the same bits) but with
    /// ordinary stores: at one or two samples dW fits in the caches, and C may be any caller's memory.
    /// </summary>
    private static void OuterProductRows<T>(ref T a, int lda, ref T b, ref T c, ref T p, int m, int n, int k, GradientWrite<T> write)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int jEnd = n - n % (2 * Vector256<T>.Count);
        bool wide = UseVector512 && Vector512.IsHardwareAccelerated;
        bool zero = write.Overwrite;
        ref T b1 = ref Unsafe.Add(ref b, k == 2 ? n : 0);
        for (int i = 0; i < m; i++)
        {
            T a0 = Unsafe.Add(ref a, i), a1 = k == 2 ? Unsafe.Add(ref a, lda + i) : T.Zero;
            ref T ci = ref Unsafe.Add(ref c, i * n);
            ref T pi = ref write.Step ? ref Unsafe.Add(ref p, i * n) : ref p;
            int j = 0;
            if (wide)
            {
                var v0 = Vector512.Create(a0);
                var v1 = Vector512.Create(a1);
                var rate = Vector512.Create(-write.LearningRate);
                for (; j <= jEnd - Vector512<T>.Count; j += Vector512<T>.Count)
                {
                    nuint o = (nuint)j;
                    var sum = MulAdd512(v0, Vector512.LoadUnsafe(ref b, o), zero ? Vector512<T>.Zero : Vector512.LoadUnsafe(ref ci, o));
                    if (k == 2)
                    {
                        sum = MulAdd512(v1, Vector512.LoadUnsafe(ref b1, o), sum);
                    }

                    sum.StoreUnsafe(ref ci, o);
                    if (write.Step)
                    {
                        (Vector512.LoadUnsafe(ref pi, o) + rate * sum).StoreUnsafe(ref pi, o);
                    }
                }
            }

            {
                var v0 = Vector256.Create(a0);
                var v1 = Vector256.Create(a1);
                for (; j <= jEnd - Vector256<T>.Count; j += Vector256<T>.Count)
                {
                    nuint o = (nuint)j;
                    var sum = MulAdd(v0, Vector256.LoadUnsafe(ref b, o), Start(ref ci, o, zero));
                    if (k == 2)
                    {
                        sum = MulAdd(v1, Vector256.LoadUnsafe(ref b1, o), sum);
                    }

                    // Ordinary stores, as the 512-bit loop's: C need not be pinned here, and nothing
                    // streamed needs a fence (Finish would stream a stepped gradient through a pointer).
                    sum.StoreUnsafe(ref ci, o);
                    if (write.Step)
                    {
                        (Vector256.LoadUnsafe(ref pi, o) + Vector256.Create(-write.LearningRate) * sum).StoreUnsafe(ref pi, o);
                    }
                }
            }

            if (jEnd < n)
            {
                Scalar<T, Transposed>(ref Unsafe.Add(ref a, i), lda, ref b, ref ci, ref pi, 0, 1, jEnd, n, n, k, write);
            }
        }
    }

    /// <summary>Samples up to which dH and dW stream W without packing (row by row, or in strips of columns on short rows): <see cref="DenseBackwardRows{T}"/> fuses exactly these paths.</summary>
    internal const int StreamingSamples = 2;

    /// <summary>Whether rows of <paramref name="width"/> elements take the vector paths of dH and dW (two 256-bit vectors or more), not the scalar one.</summary>
    private static bool HasVectorRows<T>(int width)
        where T : unmanaged, IFloatingPointIeee754<T>
        => UseVector256 && Vector256.IsHardwareAccelerated && width >= 2 * Vector256<T>.Count;

    /// <summary>Whether <see cref="DenseBackwardRows{T}"/> computes what dH's and dW's own paths would for this shape: their streaming paths, on vector rows.</summary>
    public static bool FusesDenseBackward<T>(int samples, int inputs)
        where T : unmanaged, IFloatingPointIeee754<T>
        => samples <= StreamingSamples && HasVectorRows<T>(inputs);

    /// <summary>
    /// For one or two samples (k ≤ 2), without packing: dH += dZ·W when <paramref name="dh"/> is not
    /// null, then C (+)= dZᵀ·H and P −= rate·C as <paramref name="write"/> says, in one pass over W
    /// (dZ is k×m with rows <paramref name="lda"/> apart; W, C and P are m×n; H and dH are k×n). Short
    /// rows go in strips of columns (<see cref="StreamColumns{T}"/>); longer ones sixteen rows at a
    /// time, each read for dH and then stepped while in L1, dH's rows in the groups of four of the
    /// whole product's streaming path and C's as <see cref="OuterProductRows{T}"/> writes them. Either
    /// way the numbers are those of dH's product, then dW's, one after the other.
    /// </summary>
    public static void DenseBackwardRows<T>(ref T dz, int lda, ref T w, ref T h, ref T dh, ref T c, ref T p, int m, int n, int k, GradientWrite<T> write)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (HasShortRows<T>(n))
        {
            StreamColumns(ref dz, lda, ref w, ref h, ref dh, ref c, ref p, m, n, k, write);
            return;
        }

        if (Unsafe.IsNullRef(ref dh))
        {
            OuterProductRows(ref dz, lda, ref h, ref c, ref p, m, n, k, write);
            return;
        }

        const int Rows = 16;
        for (int r0 = 0; r0 < m; r0 += Rows)
        {
            int r1 = Math.Min(m, r0 + Rows);
            for (int i = 0; i < k; i++)
            {
                ref T dzi = ref Unsafe.Add(ref dz, i * lda);
                ref T dhi = ref Unsafe.Add(ref dh, i * n);
                int kk = r0;
                for (; kk <= r1 - 4; kk += 4)
                {
                    Axpy4(ref Unsafe.Add(ref dzi, kk), ref Unsafe.Add(ref w, kk * n), n, ref dhi, n);
                }

                for (; kk < r1; kk++)
                {
                    Axpy(Unsafe.Add(ref dzi, kk), ref Unsafe.Add(ref w, kk * n), ref dhi, n);
                }
            }

            OuterProductRows(ref Unsafe.Add(ref dz, r0), lda, ref h, ref Unsafe.Add(ref c, r0 * n), ref Unsafe.Add(ref p, r0 * n), r1 - r0, n, k, write);
        }
    }

    /// <summary>
    /// Whether a stepped gradient (a training step's dW, written and then applied to W at once) is
    /// stored past the caches, with non-temporal stores where its rows are aligned: nothing in the
    /// step reads it again, and W, which is read and written there, keeps the cache to itself (the
    /// Fashion MLP's product at 512×512×32 in float: 97 against 106 µs, side by side). The same bits
    /// either way; tests compare both.
    /// </summary>
    internal static bool StreamSteppedGradients { get; set; } = true;

    /// <summary>
    /// Whether a single sample's products read W row after row, as one stream, where its rows allow:
    /// the forward product dots rows of sixteen 512-bit vectors or more one at a time (<see cref="DotRow512{T}"/>)
    /// rather than eight at a time, and dH with dW goes over rows of sixteen vectors in one strip
    /// (<see cref="Strip16{T, TV, TOps}"/>, with AVX-512's 32 registers) rather than two. Tests and
    /// `-- wholerows` compare both ways.
    /// </summary>
    internal static bool StreamWholeRows { get; set; } = true;

    /// <summary>Whether products use 512-bit vectors where the CPU runs them (tests compare both ways).</summary>
    internal static bool UseVector512 { get; set; } = true;

    /// <summary>Whether the packed products use 256-bit vectors where the CPU runs them; else, with <see cref="UseVector512"/> off too, 128-bit ones (tests compare them).</summary>
    internal static bool UseVector256 { get; set; } = true;

    /// <summary>The packed product in <typeparamref name="TW"/>'s vectors, on n columns whose rows are <paramref name="ld"/> apart; columns past the last whole two-vector panel one element at a time.</summary>
    private static unsafe void MultiplyAddTNPacked<T, TW>(ref T a, int lda, ref T b, ref T c, ref T p, int m, int n, int k, GradientWrite<T> write, int ld)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TW : struct, IPanels<T>
    {
        // A stepped gradient may be stored through a pointer (StoreStepped): C is pinned meanwhile,
        // wherever the caller's memory lives (a network's own is pinned already).
        fixed (T* pinned = &c)
        {
            MultiplyAddTNPackedPinned<T, TW>(ref a, lda, ref b, ref c, ref p, m, n, k, write, ld);
        }
    }

    private static void MultiplyAddTNPackedPinned<T, TW>(ref T a, int lda, ref T b, ref T c, ref T p, int m, int n, int k, GradientWrite<T> write, int ld)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TW : struct, IPanels<T>
    {
        int width = TW.Width;

        // C is the large matrix here: walk it in row order, four rows at a time, left to right
        // over a block of up to Blocking's TnColumns columns, so each of its cache lines is read and written
        // once per block of k. The block of B is packed panel by panel (a panel's k rows side by
        // side, contiguous), because B's own rows may sit a multiple of 4 KiB apart and would then
        // evict each other from L1; the four rows of Aᵀ a strip needs are packed side by side too.
        // The block of B is TnColumns columns by TnRows rows of k (Blocking: a share of the L2).
        int panelWidth = 2 * width;
        int jEnd = n - n % panelWidth;
        const int kBlock = Blocking.TnRows;
        int columns = Blocking.Current.TnColumns;
        Span<T> packedA = stackalloc T[8 * kBlock];
        ref T pa = ref MemoryMarshal.GetReference(packedA);
        ref T pb = ref MemoryMarshal.GetArrayDataReference(Scratch<T>.Get(columns * kBlock));
        for (int j0 = 0; j0 < jEnd; j0 += columns)
        {
            int nc = Math.Min(columns, jEnd - j0);
            int threeWideEnd = ThreeWideEnd(nc, width);
            for (int k0 = 0; k0 < k; k0 += kBlock)
            {
                int kc = Math.Min(kBlock, k - k0);
                var blockWrite = write.ForChunk(first: k0 == 0, last: k0 + kc == k);
                ref T ak = ref Unsafe.Add(ref a, k0 * lda);
                ref T bk = ref Unsafe.Add(ref b, k0 * ld + j0);

                // Panel j of the block (columns j..j + w) is kc rows of w elements, from kc·j on.
                for (int j = 0; j < nc;)
                {
                    int vectors = j < threeWideEnd ? 3 : 2;
                    ref T panel = ref Unsafe.Add(ref pb, kc * j);
                    for (int kk = 0; kk < kc; kk++)
                    {
                        ref T row = ref Unsafe.Add(ref bk, kk * ld + j);
                        for (int v = 0; v < vectors; v++)
                        {
                            TW.Copy(ref row, (nuint)(v * width), ref panel, (nuint)((kk * vectors + v) * width));
                        }
                    }

                    j += vectors * width;
                }

                int i = 0;
                for (; i <= m - 8; i += 8)
                {
                    for (int kk = 0; kk < kc; kk++)
                    {
                        // Eight elements side by side: one block copy (a vector move) of a constant size.
                        Unsafe.CopyBlockUnaligned(ref Unsafe.As<T, byte>(ref Unsafe.Add(ref pa, 8 * kk)), ref Unsafe.As<T, byte>(ref Unsafe.Add(ref ak, kk * lda + i)), (uint)(8 * Unsafe.SizeOf<T>()));
                    }

                    int offset = i * ld + j0;
                    ref T ci = ref Unsafe.Add(ref c, offset);
                    ref T pi = ref Unsafe.Add(ref p, offset);
                    int j = 0;
                    for (; j < threeWideEnd; j += 3 * width)
                    {
                        TW.Panel8x3<Transposed, NoNextPanel>(ref pa, 8, ref Unsafe.Add(ref pb, kc * j), 3 * width, ref Unsafe.Add(ref ci, j), ref Unsafe.Add(ref pi, j), ld, 0, kc, blockWrite, ref Unsafe.NullRef<T>(), 0);
                    }

                    for (; j < nc; j += panelWidth)
                    {
                        TW.Panel8x2<Transposed>(ref pa, 8, ref Unsafe.Add(ref pb, kc * j), panelWidth, ref Unsafe.Add(ref ci, j), ref Unsafe.Add(ref pi, j), ld, 0, kc, blockWrite);
                    }
                }

                for (; i <= m - 4; i += 4)
                {
                    for (int kk = 0; kk < kc; kk++)
                    {
                        Unsafe.CopyBlockUnaligned(ref Unsafe.As<T, byte>(ref Unsafe.Add(ref pa, 4 * kk)), ref Unsafe.As<T, byte>(ref Unsafe.Add(ref ak, kk * lda + i)), (uint)(4 * Unsafe.SizeOf<T>()));
                    }

                    int offset = i * ld + j0;
                    ref T ci = ref Unsafe.Add(ref c, offset);
                    ref T pi = ref Unsafe.Add(ref p, offset);
                    int j = 0;
                    for (; j < threeWideEnd; j += 3 * width)
                    {
                        TW.Panel4x3<Transposed>(ref pa, 4, ref Unsafe.Add(ref pb, kc * j), 3 * width, ref Unsafe.Add(ref ci, j), ref Unsafe.Add(ref pi, j), ld, 0, kc, blockWrite);
                    }

                    for (; j < nc; j += panelWidth)
                    {
                        TW.Panel4x2<Transposed>(ref pa, 4, ref Unsafe.Add(ref pb, kc * j), panelWidth, ref Unsafe.Add(ref ci, j), ref Unsafe.Add(ref pi, j), ld, 0, kc, blockWrite);
                    }
                }

                for (; i < m; i++)
                {
                    for (int j = 0; j < nc; j += panelWidth)
                    {
                        TW.Panel1x2<Transposed>(ref ak, lda, ref Unsafe.Add(ref bk, j), ld, ref Unsafe.Add(ref c, j0 + j), ref Unsafe.Add(ref p, j0 + j), ld, i, kc, blockWrite);
                    }
                }
            }
        }

        Scalar<T, Transposed>(ref a, lda, ref b, ref c, ref p, 0, m, jEnd, n, ld, k, write);
        FenceSteppedGradients(write);
    }


    /// <summary>d[0..n) += f·s[0..n), one multiply and one add per element (no FMA), so every caller rounds alike.</summary>
    public static void ScaleAdd<T>(T factor, ref T s, ref T d, int length)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && length >= Vector<T>.Count)
        {
            var f = new Vector<T>(factor);
            for (; i <= length - Vector<T>.Count; i += Vector<T>.Count)
            {
                ref T di = ref Unsafe.Add(ref d, i);
                (Vector.LoadUnsafe(ref di) + f * Vector.LoadUnsafe(ref Unsafe.Add(ref s, i))).StoreUnsafe(ref di);
            }
        }

        for (; i < length; i++)
        {
            Unsafe.Add(ref d, i) += factor * Unsafe.Add(ref s, i);
        }
    }

    /// <summary>
    /// Where the three-vector panels of [0, jEnd) stop: an even number of them, so that the rest
    /// (jEnd is a whole number of two-vector panels) is a whole number of two-vector panels too.
    /// </summary>
    private static int ThreeWideEnd(int jEnd, int width) => (jEnd / width / 3 & ~1) * 3 * width;

    /// <summary>Rows [i0, i1) and columns [j0, j1) of C (row stride n, as for B), one element at a time.</summary>
    private static void Scalar<T, TA>(ref T a, int lda, ref T b, ref T c, int i0, int i1, int j0, int j1, int n, int k)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TA : struct, IAccess
        => Scalar<T, TA>(ref a, lda, ref b, ref c, ref Unsafe.NullRef<T>(), i0, i1, j0, j1, n, k, GradientWrite<T>.Accumulate);

    /// <summary>As above, C stored as <paramref name="write"/> says (P laid out like C).</summary>
    private static void Scalar<T, TA>(ref T a, int lda, ref T b, ref T c, ref T p, int i0, int i1, int j0, int j1, int n, int k, GradientWrite<T> write)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TA : struct, IAccess
    {
        for (int i = i0; i < i1; i++)
        {
            for (int j = j0; j < j1; j++)
            {
                T sum = write.Overwrite ? T.Zero : Unsafe.Add(ref c, i * n + j);
                for (int kk = 0; kk < k; kk++)
                {
                    sum += default(TA).Get(ref a, lda, i, kk) * Unsafe.Add(ref b, kk * n + j);
                }

                Unsafe.Add(ref c, i * n + j) = sum;
                if (write.Step)
                {
                    Unsafe.Add(ref p, i * n + j) += -write.LearningRate * sum;
                }
            }
        }
    }

    /// <summary>y[0..n) += α·x[0..n).</summary>
    private static void Axpy<T>(T alpha, ref T x, ref T y, int n)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int width = Vector256<T>.Count;
        var va = Vector256.Create(alpha);
        int j = 0;
        for (; j <= n - width; j += width)
        {
            MulAdd(va, Vector256.LoadUnsafe(ref x, (nuint)j), Vector256.LoadUnsafe(ref y, (nuint)j)).StoreUnsafe(ref y, (nuint)j);
        }

        for (; j < n; j++)
        {
            Unsafe.Add(ref y, j) += alpha * Unsafe.Add(ref x, j);
        }
    }

    /// <summary>y[0..n) += α0·x0 + α1·x1 + α2·x2 + α3·x3, with α = alpha[0..4) and x_q the row q·ldx of x: one load and store of y per four FMAs.</summary>
    private static void Axpy4<T>(ref T alpha, ref T x, int ldx, ref T y, int n)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int width = Vector256<T>.Count;
        T a0 = alpha, a1 = Unsafe.Add(ref alpha, 1), a2 = Unsafe.Add(ref alpha, 2), a3 = Unsafe.Add(ref alpha, 3);
        ref T x1 = ref Unsafe.Add(ref x, ldx);
        ref T x2 = ref Unsafe.Add(ref x1, ldx);
        ref T x3 = ref Unsafe.Add(ref x2, ldx);
        var v0 = Vector256.Create(a0);
        var v1 = Vector256.Create(a1);
        var v2 = Vector256.Create(a2);
        var v3 = Vector256.Create(a3);
        int j = 0;
        for (; j <= n - width; j += width)
        {
            nuint o = (nuint)j;
            var sum = MulAdd(v0, Vector256.LoadUnsafe(ref x, o), Vector256.LoadUnsafe(ref y, o));
            sum = MulAdd(v1, Vector256.LoadUnsafe(ref x1, o), sum);
            sum = MulAdd(v2, Vector256.LoadUnsafe(ref x2, o), sum);
            MulAdd(v3, Vector256.LoadUnsafe(ref x3, o), sum).StoreUnsafe(ref y, o);
        }

        for (; j < n; j++)
        {
            T sum = Unsafe.Add(ref y, j) + a0 * Unsafe.Add(ref x, j);
            sum += a1 * Unsafe.Add(ref x1, j);
            sum += a2 * Unsafe.Add(ref x2, j);
            Unsafe.Add(ref y, j) = sum + a3 * Unsafe.Add(ref x3, j);
        }
    }

    /// <summary>Σ a[i]·b[i] over <paramref name="length"/> elements.</summary>
    public static T Dot<T>(ref T a, ref T b, int length)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        T sum = T.Zero;
        if (Vector256.IsHardwareAccelerated && length >= Vector256<T>.Count)
        {
            int width = Vector256<T>.Count;
            Vector256<T> acc0 = Vector256<T>.Zero, acc1 = Vector256<T>.Zero;
            for (; i <= length - 2 * width; i += 2 * width)
            {
                acc0 = MulAdd(Vector256.LoadUnsafe(ref a, (nuint)i), Vector256.LoadUnsafe(ref b, (nuint)i), acc0);
                acc1 = MulAdd(Vector256.LoadUnsafe(ref a, (nuint)(i + width)), Vector256.LoadUnsafe(ref b, (nuint)(i + width)), acc1);
            }

            for (; i <= length - width; i += width)
            {
                acc0 = MulAdd(Vector256.LoadUnsafe(ref a, (nuint)i), Vector256.LoadUnsafe(ref b, (nuint)i), acc0);
            }

            sum = Vector256.Sum(acc0 + acc1);
        }

        for (; i < length; i++)
        {
            sum += Unsafe.Add(ref a, i) * Unsafe.Add(ref b, i);
        }

        return sum;
    }

    /// <summary>Four rows of A against four rows of B: sixteen dot products, eight loads per sixteen FMAs.</summary>
    private static void DotBlock4x4<T>(ref T a, ref T b, ref T c, int s, int r, int n, int k)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!(UseVector256 && Vector256.IsHardwareAccelerated) || k < Vector256<T>.Count)
        {
            DotBlock2x4(ref a, ref b, ref c, s, r, n, k);
            DotBlock2x4(ref a, ref b, ref c, s + 2, r, n, k);
            return;
        }

        ref T a0 = ref Unsafe.Add(ref a, s * k);
        ref T a1 = ref Unsafe.Add(ref a0, k);
        ref T a2 = ref Unsafe.Add(ref a1, k);
        ref T a3 = ref Unsafe.Add(ref a2, k);
        ref T b0 = ref Unsafe.Add(ref b, r * k);
        ref T b1 = ref Unsafe.Add(ref b0, k);
        ref T b2 = ref Unsafe.Add(ref b1, k);
        ref T b3 = ref Unsafe.Add(ref b2, k);
        int width = Vector256<T>.Count;
        Vector256<T> c00 = default, c01 = default, c02 = default, c03 = default, c10 = default, c11 = default, c12 = default, c13 = default;
        Vector256<T> c20 = default, c21 = default, c22 = default, c23 = default, c30 = default, c31 = default, c32 = default, c33 = default;
        int kk = 0;
        for (; kk <= k - width; kk += width)
        {
            nuint o = (nuint)kk;
            var x0 = Vector256.LoadUnsafe(ref a0, o);
            var x1 = Vector256.LoadUnsafe(ref a1, o);
            var x2 = Vector256.LoadUnsafe(ref a2, o);
            var x3 = Vector256.LoadUnsafe(ref a3, o);
            var w = Vector256.LoadUnsafe(ref b0, o);
            c00 = MulAdd(x0, w, c00); c10 = MulAdd(x1, w, c10); c20 = MulAdd(x2, w, c20); c30 = MulAdd(x3, w, c30);
            w = Vector256.LoadUnsafe(ref b1, o);
            c01 = MulAdd(x0, w, c01); c11 = MulAdd(x1, w, c11); c21 = MulAdd(x2, w, c21); c31 = MulAdd(x3, w, c31);
            w = Vector256.LoadUnsafe(ref b2, o);
            c02 = MulAdd(x0, w, c02); c12 = MulAdd(x1, w, c12); c22 = MulAdd(x2, w, c22); c32 = MulAdd(x3, w, c32);
            w = Vector256.LoadUnsafe(ref b3, o);
            c03 = MulAdd(x0, w, c03); c13 = MulAdd(x1, w, c13); c23 = MulAdd(x2, w, c23); c33 = MulAdd(x3, w, c33);
        }

        ref T row0 = ref Unsafe.Add(ref c, s * n + r);
        ref T row1 = ref Unsafe.Add(ref row0, n);
        ref T row2 = ref Unsafe.Add(ref row1, n);
        ref T row3 = ref Unsafe.Add(ref row2, n);
        row0 += Vector256.Sum(c00); Unsafe.Add(ref row0, 1) += Vector256.Sum(c01); Unsafe.Add(ref row0, 2) += Vector256.Sum(c02); Unsafe.Add(ref row0, 3) += Vector256.Sum(c03);
        row1 += Vector256.Sum(c10); Unsafe.Add(ref row1, 1) += Vector256.Sum(c11); Unsafe.Add(ref row1, 2) += Vector256.Sum(c12); Unsafe.Add(ref row1, 3) += Vector256.Sum(c13);
        row2 += Vector256.Sum(c20); Unsafe.Add(ref row2, 1) += Vector256.Sum(c21); Unsafe.Add(ref row2, 2) += Vector256.Sum(c22); Unsafe.Add(ref row2, 3) += Vector256.Sum(c23);
        row3 += Vector256.Sum(c30); Unsafe.Add(ref row3, 1) += Vector256.Sum(c31); Unsafe.Add(ref row3, 2) += Vector256.Sum(c32); Unsafe.Add(ref row3, 3) += Vector256.Sum(c33);

        // The last k mod width terms, element by element.
        for (int i = 0; i < 4; i++)
        {
            for (int q = 0; q < 4; q++)
            {
                for (int t = kk; t < k; t++)
                {
                    Unsafe.Add(ref c, (s + i) * n + r + q) += Unsafe.Add(ref a0, i * k + t) * Unsafe.Add(ref b0, q * k + t);
                }
            }
        }
    }

    /// <summary>Two rows of A against four rows of B: eight dot products sharing their loads.</summary>
    private static void DotBlock2x4<T>(ref T a, ref T b, ref T c, int s, int r, int n, int k)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T a0 = ref Unsafe.Add(ref a, s * k);
        ref T a1 = ref Unsafe.Add(ref a0, k);
        ref T b0 = ref Unsafe.Add(ref b, r * k);
        ref T b1 = ref Unsafe.Add(ref b0, k);
        ref T b2 = ref Unsafe.Add(ref b1, k);
        ref T b3 = ref Unsafe.Add(ref b2, k);
        int kk = 0;
        T s00 = T.Zero, s01 = T.Zero, s02 = T.Zero, s03 = T.Zero, s10 = T.Zero, s11 = T.Zero, s12 = T.Zero, s13 = T.Zero;
        if (UseVector256 && Vector256.IsHardwareAccelerated && k >= Vector256<T>.Count)
        {
            int width = Vector256<T>.Count;
            Vector256<T> c00 = default, c01 = default, c02 = default, c03 = default, c10 = default, c11 = default, c12 = default, c13 = default;
            for (; kk <= k - width; kk += width)
            {
                var x0 = Vector256.LoadUnsafe(ref a0, (nuint)kk);
                var x1 = Vector256.LoadUnsafe(ref a1, (nuint)kk);
                var w = Vector256.LoadUnsafe(ref b0, (nuint)kk);
                c00 = MulAdd(x0, w, c00);
                c10 = MulAdd(x1, w, c10);
                w = Vector256.LoadUnsafe(ref b1, (nuint)kk);
                c01 = MulAdd(x0, w, c01);
                c11 = MulAdd(x1, w, c11);
                w = Vector256.LoadUnsafe(ref b2, (nuint)kk);
                c02 = MulAdd(x0, w, c02);
                c12 = MulAdd(x1, w, c12);
                w = Vector256.LoadUnsafe(ref b3, (nuint)kk);
                c03 = MulAdd(x0, w, c03);
                c13 = MulAdd(x1, w, c13);
            }

            (s00, s01, s02, s03) = (Vector256.Sum(c00), Vector256.Sum(c01), Vector256.Sum(c02), Vector256.Sum(c03));
            (s10, s11, s12, s13) = (Vector256.Sum(c10), Vector256.Sum(c11), Vector256.Sum(c12), Vector256.Sum(c13));
        }
        else if (HasNarrowDots<T>(k))
        {
            kk = k - k % Vector128<T>.Count;
            (s00, s01, s02, s03) = DotsNarrow(ref a0, ref b0, ref b1, ref b2, ref b3, kk);
            (s10, s11, s12, s13) = DotsNarrow(ref a1, ref b0, ref b1, ref b2, ref b3, kk);
        }

        for (; kk < k; kk++)
        {
            T x0 = Unsafe.Add(ref a0, kk), x1 = Unsafe.Add(ref a1, kk);
            T w0 = Unsafe.Add(ref b0, kk), w1 = Unsafe.Add(ref b1, kk), w2 = Unsafe.Add(ref b2, kk), w3 = Unsafe.Add(ref b3, kk);
            s00 += x0 * w0; s01 += x0 * w1; s02 += x0 * w2; s03 += x0 * w3;
            s10 += x1 * w0; s11 += x1 * w1; s12 += x1 * w2; s13 += x1 * w3;
        }

        ref T row0 = ref Unsafe.Add(ref c, s * n + r);
        ref T row1 = ref Unsafe.Add(ref row0, n);
        row0 += s00; Unsafe.Add(ref row0, 1) += s01; Unsafe.Add(ref row0, 2) += s02; Unsafe.Add(ref row0, 3) += s03;
        row1 += s10; Unsafe.Add(ref row1, 1) += s11; Unsafe.Add(ref row1, 2) += s12; Unsafe.Add(ref row1, 3) += s13;
    }

    /// <summary>One row of A against four rows of B: four independent dot products (the last row of an odd batch, or batch 1).</summary>
    private static void DotBlock1x4<T>(ref T a, ref T b, ref T c, int s, int r, int n, int k)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T a0 = ref Unsafe.Add(ref a, s * k);
        ref T b0 = ref Unsafe.Add(ref b, r * k);
        ref T b1 = ref Unsafe.Add(ref b0, k);
        ref T b2 = ref Unsafe.Add(ref b1, k);
        ref T b3 = ref Unsafe.Add(ref b2, k);
        int kk = 0;
        T s0 = T.Zero, s1 = T.Zero, s2 = T.Zero, s3 = T.Zero;
        if (UseVector256 && Vector256.IsHardwareAccelerated && k >= Vector256<T>.Count)
        {
            int width = Vector256<T>.Count;
            Vector256<T> c0 = default, c1 = default, c2 = default, c3 = default;
            for (; kk <= k - width; kk += width)
            {
                var x = Vector256.LoadUnsafe(ref a0, (nuint)kk);
                c0 = MulAdd(x, Vector256.LoadUnsafe(ref b0, (nuint)kk), c0);
                c1 = MulAdd(x, Vector256.LoadUnsafe(ref b1, (nuint)kk), c1);
                c2 = MulAdd(x, Vector256.LoadUnsafe(ref b2, (nuint)kk), c2);
                c3 = MulAdd(x, Vector256.LoadUnsafe(ref b3, (nuint)kk), c3);
            }

            (s0, s1, s2, s3) = (Vector256.Sum(c0), Vector256.Sum(c1), Vector256.Sum(c2), Vector256.Sum(c3));
        }
        else if (HasNarrowDots<T>(k))
        {
            kk = k - k % Vector128<T>.Count;
            (s0, s1, s2, s3) = DotsNarrow(ref a0, ref b0, ref b1, ref b2, ref b3, kk);
        }

        for (; kk < k; kk++)
        {
            T x = Unsafe.Add(ref a0, kk);
            s0 += x * Unsafe.Add(ref b0, kk); s1 += x * Unsafe.Add(ref b1, kk);
            s2 += x * Unsafe.Add(ref b2, kk); s3 += x * Unsafe.Add(ref b3, kk);
        }

        ref T row = ref Unsafe.Add(ref c, s * n + r);
        row += s0; Unsafe.Add(ref row, 1) += s1; Unsafe.Add(ref row, 2) += s2; Unsafe.Add(ref row, 3) += s3;
    }

    /// <summary>
    /// One row of A against eight rows of B in 512-bit vectors (one sample, AVX-512): c[0..8) += the
    /// eight dot products. Each row's accumulator is summed by a fixed tree, the same for every row:
    /// in double ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7)) over its eight lanes; in float the
    /// upper eight lanes are first added to the lower eight. The eight sums come out in one vector
    /// (a transpose as it adds) instead of eight horizontal sums. Past the last whole vector of k,
    /// the products are added one at a time, as in <see cref="DotBlock1x4{T}"/>.
    /// </summary>
    private static void DotBlock1x8W<T>(ref T a, ref T b, ref T c, int k)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int width = Vector512<T>.Count, kk = 0;
        nuint ld = (nuint)k;
        Vector512<T> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        for (; kk <= k - width; kk += width)
        {
            nuint o = (nuint)kk;
            var x = Vector512.LoadUnsafe(ref a, o);
            c0 = MulAdd512(x, Vector512.LoadUnsafe(ref b, o), c0);
            c1 = MulAdd512(x, Vector512.LoadUnsafe(ref b, ld + o), c1);
            c2 = MulAdd512(x, Vector512.LoadUnsafe(ref b, 2 * ld + o), c2);
            c3 = MulAdd512(x, Vector512.LoadUnsafe(ref b, 3 * ld + o), c3);
            c4 = MulAdd512(x, Vector512.LoadUnsafe(ref b, 4 * ld + o), c4);
            c5 = MulAdd512(x, Vector512.LoadUnsafe(ref b, 5 * ld + o), c5);
            c6 = MulAdd512(x, Vector512.LoadUnsafe(ref b, 6 * ld + o), c6);
            c7 = MulAdd512(x, Vector512.LoadUnsafe(ref b, 7 * ld + o), c7);
        }

        if (typeof(T) == typeof(double))
        {
            var sums = SumRows(c0.AsDouble(), c1.AsDouble(), c2.AsDouble(), c3.AsDouble(), c4.AsDouble(), c5.AsDouble(), c6.AsDouble(), c7.AsDouble()).As<double, T>();
            if (kk == k)
            {
                (Vector512.LoadUnsafe(ref c) + sums).StoreUnsafe(ref c);
                return;
            }

            for (int q = 0; q < 8; q++)
            {
                Unsafe.Add(ref c, q) += DotTail(ref a, ref Unsafe.Add(ref b, q * k), kk, k, sums.GetElement(q));
            }
        }
        else
        {
            var sums = SumRows(Fold(c0), Fold(c1), Fold(c2), Fold(c3), Fold(c4), Fold(c5), Fold(c6), Fold(c7)).As<float, T>();
            if (kk == k)
            {
                (Vector256.LoadUnsafe(ref c) + sums).StoreUnsafe(ref c);
                return;
            }

            for (int q = 0; q < 8; q++)
            {
                Unsafe.Add(ref c, q) += DotTail(ref a, ref Unsafe.Add(ref b, q * k), kk, k, sums.GetElement(q));
            }
        }
    }

    /// <summary>
    /// The length from which a single sample's forward product takes its rows one at a time
    /// (<see cref="DotRow512{T}"/>): sixteen 512-bit vectors, 1 KiB. On rows of eight vectors (mlp-128
    /// in float) one at a time was 0.90–1.20× eight at a time from run to run, on rows of sixteen
    /// (mlp-128 in double) 1.16–1.34×.
    /// </summary>
    internal static int RowDotLength<T>()
        where T : unmanaged
        => 16 * Vector512<T>.Count;

    /// <summary>
    /// One dot product a·b over k elements in 512-bit vectors: vector v of the row goes to
    /// accumulator v mod 4; then (c0 + c1) + (c2 + c3); then its lanes by halves, the upper half
    /// added to the lower until one lane is left (in double ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7)));
    /// past the last whole vector, the products one at a time, as in <see cref="DotBlock1x4{T}"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T DotRow512<T>(ref T a, ref T b, int k)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int width = Vector512<T>.Count, kk = 0;
        Vector512<T> c0 = default, c1 = default, c2 = default, c3 = default;
        for (; kk <= k - 4 * width; kk += 4 * width)
        {
            nuint o = (nuint)kk;
            c0 = MulAdd512(Vector512.LoadUnsafe(ref a, o), Vector512.LoadUnsafe(ref b, o), c0);
            c1 = MulAdd512(Vector512.LoadUnsafe(ref a, o + (nuint)width), Vector512.LoadUnsafe(ref b, o + (nuint)width), c1);
            c2 = MulAdd512(Vector512.LoadUnsafe(ref a, o + (nuint)(2 * width)), Vector512.LoadUnsafe(ref b, o + (nuint)(2 * width)), c2);
            c3 = MulAdd512(Vector512.LoadUnsafe(ref a, o + (nuint)(3 * width)), Vector512.LoadUnsafe(ref b, o + (nuint)(3 * width)), c3);
        }

        if (kk <= k - width)
        {
            c0 = MulAdd512(Vector512.LoadUnsafe(ref a, (nuint)kk), Vector512.LoadUnsafe(ref b, (nuint)kk), c0);
            kk += width;
            if (kk <= k - width)
            {
                c1 = MulAdd512(Vector512.LoadUnsafe(ref a, (nuint)kk), Vector512.LoadUnsafe(ref b, (nuint)kk), c1);
                kk += width;
                if (kk <= k - width)
                {
                    c2 = MulAdd512(Vector512.LoadUnsafe(ref a, (nuint)kk), Vector512.LoadUnsafe(ref b, (nuint)kk), c2);
                    kk += width;
                }
            }
        }

        var v = (c0 + c1) + (c2 + c3);
        var half = v.GetLower() + v.GetUpper();
        var quarter = half.GetLower() + half.GetUpper();
        T sum = typeof(T) == typeof(double)
            ? quarter.GetElement(0) + quarter.GetElement(1)
            : (quarter.GetElement(0) + quarter.GetElement(2)) + (quarter.GetElement(1) + quarter.GetElement(3));
        return DotTail(ref a, ref b, kk, k, sum);
    }

    /// <summary><paramref name="sum"/> + a[j]·b[j] for j from <paramref name="start"/> to k, one product at a time (inlined: <see cref="DotRow512{T}"/> calls it once a row).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T DotTail<T>(ref T a, ref T b, int start, int k, T sum)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int j = start; j < k; j++)
        {
            sum += Unsafe.Add(ref a, j) * Unsafe.Add(ref b, j);
        }

        return sum;
    }

    /// <summary>A float accumulator's upper eight lanes added to its lower eight.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Fold<T>(Vector512<T> v)
        where T : unmanaged
        => v.AsSingle().GetLower() + v.AsSingle().GetUpper();

    /// <summary>The sums of eight rows' eight double lanes, as one vector of eight (see <see cref="DotBlock1x8W{T}"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> SumRows(Vector512<double> c0, Vector512<double> c1, Vector512<double> c2, Vector512<double> c3, Vector512<double> c4, Vector512<double> c5, Vector512<double> c6, Vector512<double> c7)
    {
        // Pairs of lanes: blocks of (row 2i, row 2i + 1) partial sums over lanes 01, 23, 45, 67.
        var t01 = Avx512F.UnpackLow(c0, c1) + Avx512F.UnpackHigh(c0, c1);
        var t23 = Avx512F.UnpackLow(c2, c3) + Avx512F.UnpackHigh(c2, c3);
        var t45 = Avx512F.UnpackLow(c4, c5) + Avx512F.UnpackHigh(c4, c5);
        var t67 = Avx512F.UnpackLow(c6, c7) + Avx512F.UnpackHigh(c6, c7);

        // (01 + 23) and (45 + 67) for two pairs of rows at once.
        var u0123 = Avx512F.Shuffle4x128(t01, t23, 0x88) + Avx512F.Shuffle4x128(t01, t23, 0xDD);
        var u4567 = Avx512F.Shuffle4x128(t45, t67, 0x88) + Avx512F.Shuffle4x128(t45, t67, 0xDD);
        return Avx512F.Shuffle4x128(u0123, u4567, 0x88) + Avx512F.Shuffle4x128(u0123, u4567, 0xDD);
    }

    /// <summary>The sums of eight rows' eight float lanes (each already folded from sixteen), as one vector of eight.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> SumRows(Vector256<float> f0, Vector256<float> f1, Vector256<float> f2, Vector256<float> f3, Vector256<float> f4, Vector256<float> f5, Vector256<float> f6, Vector256<float> f7)
    {
        // In each 128-bit half: (row 2i, row 2i + 1) partial sums over lanes 02 and 13.
        var t01 = Avx.UnpackLow(f0, f1) + Avx.UnpackHigh(f0, f1);
        var t23 = Avx.UnpackLow(f2, f3) + Avx.UnpackHigh(f2, f3);
        var t45 = Avx.UnpackLow(f4, f5) + Avx.UnpackHigh(f4, f5);
        var t67 = Avx.UnpackLow(f6, f7) + Avx.UnpackHigh(f6, f7);

        // Rows 0–3 (and 4–7) over each half: (02) + (13).
        var u0123 = Avx.Shuffle(t01, t23, 0x44) + Avx.Shuffle(t01, t23, 0xEE);
        var u4567 = Avx.Shuffle(t45, t67, 0x44) + Avx.Shuffle(t45, t67, 0xEE);

        // The two halves added: rows 0–7.
        return Avx.Permute2x128(u0123, u4567, 0x20) + Avx.Permute2x128(u0123, u4567, 0x31);
    }

    /// <summary>
    /// Four rows of C (from row i), two vectors wide, kept in registers over all of k: C[i.., 0..2V) +=
    /// Σ_k A(i.., k)·B[k·ldb, 0..2V), stored as <paramref name="write"/> says (P laid out like C).
    /// <paramref name="b"/>, <paramref name="c"/> and <paramref name="p"/> point at the panel's first column.
    /// </summary>
    private static void Panel4x2<T, TA>(ref T a, int lda, ref T b, int ldb, ref T c, ref T p, int ldc, int i, int k, GradientWrite<T> write)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TA : struct, IAccess
    {
        nuint w1 = (nuint)Vector256<T>.Count;
        nuint r0 = (nuint)(i * ldc), r1 = r0 + (nuint)ldc, r2 = r1 + (nuint)ldc, r3 = r2 + (nuint)ldc;
        bool zero = write.Overwrite;
        Vector256<T> c00 = Start(ref c, r0, zero), c01 = Start(ref c, r0 + w1, zero);
        Vector256<T> c10 = Start(ref c, r1, zero), c11 = Start(ref c, r1 + w1, zero);
        Vector256<T> c20 = Start(ref c, r2, zero), c21 = Start(ref c, r2 + w1, zero);
        Vector256<T> c30 = Start(ref c, r3, zero), c31 = Start(ref c, r3 + w1, zero);
        for (int kk = 0; kk < k; kk++)
        {
            ref T bk = ref Unsafe.Add(ref b, kk * ldb);
            var b0 = Vector256.LoadUnsafe(ref bk);
            var b1 = Vector256.LoadUnsafe(ref bk, w1);
            var x = Vector256.Create(default(TA).Get(ref a, lda, i, kk));
            c00 = MulAdd(x, b0, c00);
            c01 = MulAdd(x, b1, c01);
            x = Vector256.Create(default(TA).Get(ref a, lda, i + 1, kk));
            c10 = MulAdd(x, b0, c10);
            c11 = MulAdd(x, b1, c11);
            x = Vector256.Create(default(TA).Get(ref a, lda, i + 2, kk));
            c20 = MulAdd(x, b0, c20);
            c21 = MulAdd(x, b1, c21);
            x = Vector256.Create(default(TA).Get(ref a, lda, i + 3, kk));
            c30 = MulAdd(x, b0, c30);
            c31 = MulAdd(x, b1, c31);
        }

        Finish(c00, ref c, ref p, r0, write); Finish(c01, ref c, ref p, r0 + w1, write);
        Finish(c10, ref c, ref p, r1, write); Finish(c11, ref c, ref p, r1 + w1, write);
        Finish(c20, ref c, ref p, r2, write); Finish(c21, ref c, ref p, r2 + w1, write);
        Finish(c30, ref c, ref p, r3, write); Finish(c31, ref c, ref p, r3 + w1, write);
    }

    /// <summary>As <see cref="Panel4x2{T, TA}"/>, three vectors wide: 12 accumulators, 7 loads per 12 FMAs; <typeparamref name="TN"/> as in <see cref="Panel8x3W{T, TA, TN}"/>.</summary>
    private static void Panel4x3<T, TA, TN>(ref T a, int lda, ref T b, int ldb, ref T c, ref T p, int ldc, int i, int k, GradientWrite<T> write, ref T next, int ldNext)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TA : struct, IAccess
        where TN : struct, INextPanel
    {
        nuint w1 = (nuint)Vector256<T>.Count, w2 = 2 * w1;
        nuint r0 = (nuint)(i * ldc), r1 = r0 + (nuint)ldc, r2 = r1 + (nuint)ldc, r3 = r2 + (nuint)ldc;
        bool zero = write.Overwrite;
        Vector256<T> c00 = Start(ref c, r0, zero), c01 = Start(ref c, r0 + w1, zero), c02 = Start(ref c, r0 + w2, zero);
        Vector256<T> c10 = Start(ref c, r1, zero), c11 = Start(ref c, r1 + w1, zero), c12 = Start(ref c, r1 + w2, zero);
        Vector256<T> c20 = Start(ref c, r2, zero), c21 = Start(ref c, r2 + w1, zero), c22 = Start(ref c, r2 + w2, zero);
        Vector256<T> c30 = Start(ref c, r3, zero), c31 = Start(ref c, r3 + w1, zero), c32 = Start(ref c, r3 + w2, zero);
        for (int kk = 0; kk < k; kk++)
        {
            ref T bk = ref Unsafe.Add(ref b, kk * ldb);
            var b0 = Vector256.LoadUnsafe(ref bk);
            var b1 = Vector256.LoadUnsafe(ref bk, w1);
            var b2 = Vector256.LoadUnsafe(ref bk, w2);
            TN.Row<T, Panels256<T>>(ref bk, ref Unsafe.Add(ref next, kk * ldNext));
            var x = Vector256.Create(default(TA).Get(ref a, lda, i, kk));
            c00 = MulAdd(x, b0, c00); c01 = MulAdd(x, b1, c01); c02 = MulAdd(x, b2, c02);
            x = Vector256.Create(default(TA).Get(ref a, lda, i + 1, kk));
            c10 = MulAdd(x, b0, c10); c11 = MulAdd(x, b1, c11); c12 = MulAdd(x, b2, c12);
            x = Vector256.Create(default(TA).Get(ref a, lda, i + 2, kk));
            c20 = MulAdd(x, b0, c20); c21 = MulAdd(x, b1, c21); c22 = MulAdd(x, b2, c22);
            x = Vector256.Create(default(TA).Get(ref a, lda, i + 3, kk));
            c30 = MulAdd(x, b0, c30); c31 = MulAdd(x, b1, c31); c32 = MulAdd(x, b2, c32);
        }

        Finish(c00, ref c, ref p, r0, write); Finish(c01, ref c, ref p, r0 + w1, write); Finish(c02, ref c, ref p, r0 + w2, write);
        Finish(c10, ref c, ref p, r1, write); Finish(c11, ref c, ref p, r1 + w1, write); Finish(c12, ref c, ref p, r1 + w2, write);
        Finish(c20, ref c, ref p, r2, write); Finish(c21, ref c, ref p, r2 + w1, write); Finish(c22, ref c, ref p, r2 + w2, write);
        Finish(c30, ref c, ref p, r3, write); Finish(c31, ref c, ref p, r3 + w1, write); Finish(c32, ref c, ref p, r3 + w2, write);
    }

    private static void Panel1x2<T, TA>(ref T a, int lda, ref T b, int ldb, ref T c, ref T p, int ldc, int i, int k, GradientWrite<T> write)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TA : struct, IAccess
    {
        nuint w1 = (nuint)Vector256<T>.Count;
        nuint r0 = (nuint)(i * ldc);
        bool zero = write.Overwrite;
        Vector256<T> c00 = Start(ref c, r0, zero), c01 = Start(ref c, r0 + w1, zero);
        for (int kk = 0; kk < k; kk++)
        {
            ref T bk = ref Unsafe.Add(ref b, kk * ldb);
            var x = Vector256.Create(default(TA).Get(ref a, lda, i, kk));
            c00 = MulAdd(x, Vector256.LoadUnsafe(ref bk), c00);
            c01 = MulAdd(x, Vector256.LoadUnsafe(ref bk, w1), c01);
        }

        Finish(c00, ref c, ref p, r0, write); Finish(c01, ref c, ref p, r0 + w1, write);
    }

    /// <summary>One row, one vector: c[i, 0..w) += Σ_k A(i, k)·B[k, 0..w).</summary>
    private static void Panel1x1<T>(ref T a, int lda, ref T b, int ldb, ref T c, int ldc, int i, int k)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        nuint r0 = (nuint)(i * ldc);
        var c00 = Vector256.LoadUnsafe(ref c, r0);
        for (int kk = 0; kk < k; kk++)
        {
            c00 = MulAdd(Vector256.Create(default(Normal).Get(ref a, lda, i, kk)), Vector256.LoadUnsafe(ref Unsafe.Add(ref b, kk * ldb)), c00);
        }

        c00.StoreUnsafe(ref c, r0);
    }

    /// <summary>4 rows of A (row-major) against a 4-vector panel of B, 512-bit (16 accumulators), added to C: each element one chain of FMAs, as in the other panels.</summary>
    private static void Panel4x4W<T>(ref T a, int lda, ref T b, int ldb, ref T c, int ldc, int i, int k)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        nuint w1 = (nuint)Vector512<T>.Count, w2 = 2 * w1, w3 = 3 * w1;
        nuint r0 = (nuint)(i * ldc), r1 = r0 + (nuint)ldc, r2 = r1 + (nuint)ldc, r3 = r2 + (nuint)ldc;
        Vector512<T> c00 = Vector512.LoadUnsafe(ref c, r0), c01 = Vector512.LoadUnsafe(ref c, r0 + w1), c02 = Vector512.LoadUnsafe(ref c, r0 + w2), c03 = Vector512.LoadUnsafe(ref c, r0 + w3);
        Vector512<T> c10 = Vector512.LoadUnsafe(ref c, r1), c11 = Vector512.LoadUnsafe(ref c, r1 + w1), c12 = Vector512.LoadUnsafe(ref c, r1 + w2), c13 = Vector512.LoadUnsafe(ref c, r1 + w3);
        Vector512<T> c20 = Vector512.LoadUnsafe(ref c, r2), c21 = Vector512.LoadUnsafe(ref c, r2 + w1), c22 = Vector512.LoadUnsafe(ref c, r2 + w2), c23 = Vector512.LoadUnsafe(ref c, r2 + w3);
        Vector512<T> c30 = Vector512.LoadUnsafe(ref c, r3), c31 = Vector512.LoadUnsafe(ref c, r3 + w1), c32 = Vector512.LoadUnsafe(ref c, r3 + w2), c33 = Vector512.LoadUnsafe(ref c, r3 + w3);
        ref T a0 = ref Unsafe.Add(ref a, i * lda);
        ref T a1 = ref Unsafe.Add(ref a0, lda);
        ref T a2 = ref Unsafe.Add(ref a1, lda);
        ref T a3 = ref Unsafe.Add(ref a2, lda);
        for (int kk = 0; kk < k; kk++)
        {
            ref T bk = ref Unsafe.Add(ref b, kk * ldb);
            var b0 = Vector512.LoadUnsafe(ref bk);
            var b1 = Vector512.LoadUnsafe(ref bk, w1);
            var b2 = Vector512.LoadUnsafe(ref bk, w2);
            var b3 = Vector512.LoadUnsafe(ref bk, w3);
            var x = Vector512.Create(Unsafe.Add(ref a0, kk));
            c00 = MulAdd512(x, b0, c00); c01 = MulAdd512(x, b1, c01); c02 = MulAdd512(x, b2, c02); c03 = MulAdd512(x, b3, c03);
            x = Vector512.Create(Unsafe.Add(ref a1, kk));
            c10 = MulAdd512(x, b0, c10); c11 = MulAdd512(x, b1, c11); c12 = MulAdd512(x, b2, c12); c13 = MulAdd512(x, b3, c13);
            x = Vector512.Create(Unsafe.Add(ref a2, kk));
            c20 = MulAdd512(x, b0, c20); c21 = MulAdd512(x, b1, c21); c22 = MulAdd512(x, b2, c22); c23 = MulAdd512(x, b3, c23);
            x = Vector512.Create(Unsafe.Add(ref a3, kk));
            c30 = MulAdd512(x, b0, c30); c31 = MulAdd512(x, b1, c31); c32 = MulAdd512(x, b2, c32); c33 = MulAdd512(x, b3, c33);
        }

        c00.StoreUnsafe(ref c, r0); c01.StoreUnsafe(ref c, r0 + w1); c02.StoreUnsafe(ref c, r0 + w2); c03.StoreUnsafe(ref c, r0 + w3);
        c10.StoreUnsafe(ref c, r1); c11.StoreUnsafe(ref c, r1 + w1); c12.StoreUnsafe(ref c, r1 + w2); c13.StoreUnsafe(ref c, r1 + w3);
        c20.StoreUnsafe(ref c, r2); c21.StoreUnsafe(ref c, r2 + w1); c22.StoreUnsafe(ref c, r2 + w2); c23.StoreUnsafe(ref c, r2 + w3);
        c30.StoreUnsafe(ref c, r3); c31.StoreUnsafe(ref c, r3 + w1); c32.StoreUnsafe(ref c, r3 + w2); c33.StoreUnsafe(ref c, r3 + w3);
    }

    /// <summary>
    /// 8 rows of A against a 3-vector panel of B, 512-bit (24 accumulators of the 32 registers), C stored as <paramref name="write"/> says: each
    /// element one chain of FMAs, as in the four-row panels. After loading each row of the panel, <typeparamref name="TN"/> does its part with
    /// the next panel's row (<paramref name="next"/>, rows <paramref name="ldNext"/> apart).
    /// </summary>
    private static void Panel8x3W<T, TA, TN>(ref T a, int lda, ref T b, int ldb, ref T c, ref T p, int ldc, int i, int k, GradientWrite<T> write, ref T next, int ldNext)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TA : struct, IAccess
        where TN : struct, INextPanel
    {
        nuint w1 = (nuint)Vector512<T>.Count, w2 = 2 * w1;
        nuint r0 = (nuint)(i * ldc);
        nuint r1 = r0 + (nuint)ldc;
        nuint r2 = r1 + (nuint)ldc;
        nuint r3 = r2 + (nuint)ldc;
        nuint r4 = r3 + (nuint)ldc;
        nuint r5 = r4 + (nuint)ldc;
        nuint r6 = r5 + (nuint)ldc;
        nuint r7 = r6 + (nuint)ldc;
        bool zero = write.Overwrite;
        Vector512<T> c00 = StartW(ref c, r0, zero), c01 = StartW(ref c, r0 + w1, zero), c02 = StartW(ref c, r0 + w2, zero);
        Vector512<T> c10 = StartW(ref c, r1, zero), c11 = StartW(ref c, r1 + w1, zero), c12 = StartW(ref c, r1 + w2, zero);
        Vector512<T> c20 = StartW(ref c, r2, zero), c21 = StartW(ref c, r2 + w1, zero), c22 = StartW(ref c, r2 + w2, zero);
        Vector512<T> c30 = StartW(ref c, r3, zero), c31 = StartW(ref c, r3 + w1, zero), c32 = StartW(ref c, r3 + w2, zero);
        Vector512<T> c40 = StartW(ref c, r4, zero), c41 = StartW(ref c, r4 + w1, zero), c42 = StartW(ref c, r4 + w2, zero);
        Vector512<T> c50 = StartW(ref c, r5, zero), c51 = StartW(ref c, r5 + w1, zero), c52 = StartW(ref c, r5 + w2, zero);
        Vector512<T> c60 = StartW(ref c, r6, zero), c61 = StartW(ref c, r6 + w1, zero), c62 = StartW(ref c, r6 + w2, zero);
        Vector512<T> c70 = StartW(ref c, r7, zero), c71 = StartW(ref c, r7 + w1, zero), c72 = StartW(ref c, r7 + w2, zero);
        // A(i + r, kk) is a[(i + r)·lda + kk] (Normal) or a[kk·lda + i + r] (Transposed): from a
        // base per kk, rows r·lda or r apart, so that no index is multiplied out per row.
        bool normal = typeof(TA) == typeof(Normal);
        int rowStep = normal ? lda : 1;
        for (int kk = 0; kk < k; kk++)
        {
            ref T bk = ref Unsafe.Add(ref b, kk * ldb);
            ref T ak = ref Unsafe.Add(ref a, normal ? i * lda + kk : kk * lda + i);
            var b0 = Vector512.LoadUnsafe(ref bk);
            var b1 = Vector512.LoadUnsafe(ref bk, w1);
            var b2 = Vector512.LoadUnsafe(ref bk, w2);
            TN.Row<T, Panels512<T>>(ref bk, ref Unsafe.Add(ref next, kk * ldNext));
            var x0 = Vector512.Create(ak);
            c00 = MulAdd512(x0, b0, c00); c01 = MulAdd512(x0, b1, c01); c02 = MulAdd512(x0, b2, c02);
            var x1 = Vector512.Create(Unsafe.Add(ref ak, 1 * rowStep));
            c10 = MulAdd512(x1, b0, c10); c11 = MulAdd512(x1, b1, c11); c12 = MulAdd512(x1, b2, c12);
            var x2 = Vector512.Create(Unsafe.Add(ref ak, 2 * rowStep));
            c20 = MulAdd512(x2, b0, c20); c21 = MulAdd512(x2, b1, c21); c22 = MulAdd512(x2, b2, c22);
            var x3 = Vector512.Create(Unsafe.Add(ref ak, 3 * rowStep));
            c30 = MulAdd512(x3, b0, c30); c31 = MulAdd512(x3, b1, c31); c32 = MulAdd512(x3, b2, c32);
            var x4 = Vector512.Create(Unsafe.Add(ref ak, 4 * rowStep));
            c40 = MulAdd512(x4, b0, c40); c41 = MulAdd512(x4, b1, c41); c42 = MulAdd512(x4, b2, c42);
            var x5 = Vector512.Create(Unsafe.Add(ref ak, 5 * rowStep));
            c50 = MulAdd512(x5, b0, c50); c51 = MulAdd512(x5, b1, c51); c52 = MulAdd512(x5, b2, c52);
            var x6 = Vector512.Create(Unsafe.Add(ref ak, 6 * rowStep));
            c60 = MulAdd512(x6, b0, c60); c61 = MulAdd512(x6, b1, c61); c62 = MulAdd512(x6, b2, c62);
            var x7 = Vector512.Create(Unsafe.Add(ref ak, 7 * rowStep));
            c70 = MulAdd512(x7, b0, c70); c71 = MulAdd512(x7, b1, c71); c72 = MulAdd512(x7, b2, c72);
        }

        FinishW(c00, ref c, ref p, r0, write); FinishW(c01, ref c, ref p, r0 + w1, write); FinishW(c02, ref c, ref p, r0 + w2, write);
        FinishW(c10, ref c, ref p, r1, write); FinishW(c11, ref c, ref p, r1 + w1, write); FinishW(c12, ref c, ref p, r1 + w2, write);
        FinishW(c20, ref c, ref p, r2, write); FinishW(c21, ref c, ref p, r2 + w1, write); FinishW(c22, ref c, ref p, r2 + w2, write);
        FinishW(c30, ref c, ref p, r3, write); FinishW(c31, ref c, ref p, r3 + w1, write); FinishW(c32, ref c, ref p, r3 + w2, write);
        FinishW(c40, ref c, ref p, r4, write); FinishW(c41, ref c, ref p, r4 + w1, write); FinishW(c42, ref c, ref p, r4 + w2, write);
        FinishW(c50, ref c, ref p, r5, write); FinishW(c51, ref c, ref p, r5 + w1, write); FinishW(c52, ref c, ref p, r5 + w2, write);
        FinishW(c60, ref c, ref p, r6, write); FinishW(c61, ref c, ref p, r6 + w1, write); FinishW(c62, ref c, ref p, r6 + w2, write);
        FinishW(c70, ref c, ref p, r7, write); FinishW(c71, ref c, ref p, r7 + w1, write); FinishW(c72, ref c, ref p, r7 + w2, write);
    }

    /// <summary>8 rows of A against a 2-vector panel of B, 512-bit (16 accumulators of the 32 registers), C stored as <paramref name="write"/> says: each element one chain of FMAs, as in the four-row panels.</summary>
    private static void Panel8x2W<T, TA>(ref T a, int lda, ref T b, int ldb, ref T c, ref T p, int ldc, int i, int k, GradientWrite<T> write)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TA : struct, IAccess
    {
        nuint w1 = (nuint)Vector512<T>.Count, w2 = 2 * w1;
        nuint r0 = (nuint)(i * ldc);
        nuint r1 = r0 + (nuint)ldc;
        nuint r2 = r1 + (nuint)ldc;
        nuint r3 = r2 + (nuint)ldc;
        nuint r4 = r3 + (nuint)ldc;
        nuint r5 = r4 + (nuint)ldc;
        nuint r6 = r5 + (nuint)ldc;
        nuint r7 = r6 + (nuint)ldc;
        bool zero = write.Overwrite;
        Vector512<T> c00 = StartW(ref c, r0, zero), c01 = StartW(ref c, r0 + w1, zero);
        Vector512<T> c10 = StartW(ref c, r1, zero), c11 = StartW(ref c, r1 + w1, zero);
        Vector512<T> c20 = StartW(ref c, r2, zero), c21 = StartW(ref c, r2 + w1, zero);
        Vector512<T> c30 = StartW(ref c, r3, zero), c31 = StartW(ref c, r3 + w1, zero);
        Vector512<T> c40 = StartW(ref c, r4, zero), c41 = StartW(ref c, r4 + w1, zero);
        Vector512<T> c50 = StartW(ref c, r5, zero), c51 = StartW(ref c, r5 + w1, zero);
        Vector512<T> c60 = StartW(ref c, r6, zero), c61 = StartW(ref c, r6 + w1, zero);
        Vector512<T> c70 = StartW(ref c, r7, zero), c71 = StartW(ref c, r7 + w1, zero);
        // A(i + r, kk) is a[(i + r)·lda + kk] (Normal) or a[kk·lda + i + r] (Transposed): from a
        // base per kk, rows r·lda or r apart, so that no index is multiplied out per row.
        bool normal = typeof(TA) == typeof(Normal);
        int rowStep = normal ? lda : 1;
        for (int kk = 0; kk < k; kk++)
        {
            ref T bk = ref Unsafe.Add(ref b, kk * ldb);
            ref T ak = ref Unsafe.Add(ref a, normal ? i * lda + kk : kk * lda + i);
            var b0 = Vector512.LoadUnsafe(ref bk);
            var b1 = Vector512.LoadUnsafe(ref bk, w1);
            var x0 = Vector512.Create(ak);
            c00 = MulAdd512(x0, b0, c00); c01 = MulAdd512(x0, b1, c01);
            var x1 = Vector512.Create(Unsafe.Add(ref ak, 1 * rowStep));
            c10 = MulAdd512(x1, b0, c10); c11 = MulAdd512(x1, b1, c11);
            var x2 = Vector512.Create(Unsafe.Add(ref ak, 2 * rowStep));
            c20 = MulAdd512(x2, b0, c20); c21 = MulAdd512(x2, b1, c21);
            var x3 = Vector512.Create(Unsafe.Add(ref ak, 3 * rowStep));
            c30 = MulAdd512(x3, b0, c30); c31 = MulAdd512(x3, b1, c31);
            var x4 = Vector512.Create(Unsafe.Add(ref ak, 4 * rowStep));
            c40 = MulAdd512(x4, b0, c40); c41 = MulAdd512(x4, b1, c41);
            var x5 = Vector512.Create(Unsafe.Add(ref ak, 5 * rowStep));
            c50 = MulAdd512(x5, b0, c50); c51 = MulAdd512(x5, b1, c51);
            var x6 = Vector512.Create(Unsafe.Add(ref ak, 6 * rowStep));
            c60 = MulAdd512(x6, b0, c60); c61 = MulAdd512(x6, b1, c61);
            var x7 = Vector512.Create(Unsafe.Add(ref ak, 7 * rowStep));
            c70 = MulAdd512(x7, b0, c70); c71 = MulAdd512(x7, b1, c71);
        }

        FinishW(c00, ref c, ref p, r0, write); FinishW(c01, ref c, ref p, r0 + w1, write);
        FinishW(c10, ref c, ref p, r1, write); FinishW(c11, ref c, ref p, r1 + w1, write);
        FinishW(c20, ref c, ref p, r2, write); FinishW(c21, ref c, ref p, r2 + w1, write);
        FinishW(c30, ref c, ref p, r3, write); FinishW(c31, ref c, ref p, r3 + w1, write);
        FinishW(c40, ref c, ref p, r4, write); FinishW(c41, ref c, ref p, r4 + w1, write);
        FinishW(c50, ref c, ref p, r5, write); FinishW(c51, ref c, ref p, r5 + w1, write);
        FinishW(c60, ref c, ref p, r6, write); FinishW(c61, ref c, ref p, r6 + w1, write);
        FinishW(c70, ref c, ref p, r7, write); FinishW(c71, ref c, ref p, r7 + w1, write);
    }

    // The register panels of the 512-bit products: Panel4x3, Panel4x2 and Panel1x2 on 512-bit vectors (and Panel1x1 for dH's last row).
    private static void Panel4x3W<T, TA>(ref T a, int lda, ref T b, int ldb, ref T c, ref T p, int ldc, int i, int k, GradientWrite<T> write)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TA : struct, IAccess
    {
        nuint w1 = (nuint)Vector512<T>.Count, w2 = 2 * w1;
        nuint r0 = (nuint)(i * ldc), r1 = r0 + (nuint)ldc, r2 = r1 + (nuint)ldc, r3 = r2 + (nuint)ldc;
        bool zero = write.Overwrite;
        Vector512<T> c00 = StartW(ref c, r0, zero), c01 = StartW(ref c, r0 + w1, zero), c02 = StartW(ref c, r0 + w2, zero);
        Vector512<T> c10 = StartW(ref c, r1, zero), c11 = StartW(ref c, r1 + w1, zero), c12 = StartW(ref c, r1 + w2, zero);
        Vector512<T> c20 = StartW(ref c, r2, zero), c21 = StartW(ref c, r2 + w1, zero), c22 = StartW(ref c, r2 + w2, zero);
        Vector512<T> c30 = StartW(ref c, r3, zero), c31 = StartW(ref c, r3 + w1, zero), c32 = StartW(ref c, r3 + w2, zero);
        for (int kk = 0; kk < k; kk++)
        {
            ref T bk = ref Unsafe.Add(ref b, kk * ldb);
            var b0 = Vector512.LoadUnsafe(ref bk);
            var b1 = Vector512.LoadUnsafe(ref bk, w1);
            var b2 = Vector512.LoadUnsafe(ref bk, w2);
            var x = Vector512.Create(default(TA).Get(ref a, lda, i, kk));
            c00 = MulAdd512(x, b0, c00); c01 = MulAdd512(x, b1, c01); c02 = MulAdd512(x, b2, c02);
            x = Vector512.Create(default(TA).Get(ref a, lda, i + 1, kk));
            c10 = MulAdd512(x, b0, c10); c11 = MulAdd512(x, b1, c11); c12 = MulAdd512(x, b2, c12);
            x = Vector512.Create(default(TA).Get(ref a, lda, i + 2, kk));
            c20 = MulAdd512(x, b0, c20); c21 = MulAdd512(x, b1, c21); c22 = MulAdd512(x, b2, c22);
            x = Vector512.Create(default(TA).Get(ref a, lda, i + 3, kk));
            c30 = MulAdd512(x, b0, c30); c31 = MulAdd512(x, b1, c31); c32 = MulAdd512(x, b2, c32);
        }

        FinishW(c00, ref c, ref p, r0, write); FinishW(c01, ref c, ref p, r0 + w1, write); FinishW(c02, ref c, ref p, r0 + w2, write);
        FinishW(c10, ref c, ref p, r1, write); FinishW(c11, ref c, ref p, r1 + w1, write); FinishW(c12, ref c, ref p, r1 + w2, write);
        FinishW(c20, ref c, ref p, r2, write); FinishW(c21, ref c, ref p, r2 + w1, write); FinishW(c22, ref c, ref p, r2 + w2, write);
        FinishW(c30, ref c, ref p, r3, write); FinishW(c31, ref c, ref p, r3 + w1, write); FinishW(c32, ref c, ref p, r3 + w2, write);
    }

    private static void Panel4x2W<T, TA>(ref T a, int lda, ref T b, int ldb, ref T c, ref T p, int ldc, int i, int k, GradientWrite<T> write)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TA : struct, IAccess
    {
        nuint w1 = (nuint)Vector512<T>.Count;
        nuint r0 = (nuint)(i * ldc), r1 = r0 + (nuint)ldc, r2 = r1 + (nuint)ldc, r3 = r2 + (nuint)ldc;
        bool zero = write.Overwrite;
        Vector512<T> c00 = StartW(ref c, r0, zero), c01 = StartW(ref c, r0 + w1, zero);
        Vector512<T> c10 = StartW(ref c, r1, zero), c11 = StartW(ref c, r1 + w1, zero);
        Vector512<T> c20 = StartW(ref c, r2, zero), c21 = StartW(ref c, r2 + w1, zero);
        Vector512<T> c30 = StartW(ref c, r3, zero), c31 = StartW(ref c, r3 + w1, zero);
        for (int kk = 0; kk < k; kk++)
        {
            ref T bk = ref Unsafe.Add(ref b, kk * ldb);
            var b0 = Vector512.LoadUnsafe(ref bk);
            var b1 = Vector512.LoadUnsafe(ref bk, w1);
            var x = Vector512.Create(default(TA).Get(ref a, lda, i, kk));
            c00 = MulAdd512(x, b0, c00);
            c01 = MulAdd512(x, b1, c01);
            x = Vector512.Create(default(TA).Get(ref a, lda, i + 1, kk));
            c10 = MulAdd512(x, b0, c10);
            c11 = MulAdd512(x, b1, c11);
            x = Vector512.Create(default(TA).Get(ref a, lda, i + 2, kk));
            c20 = MulAdd512(x, b0, c20);
            c21 = MulAdd512(x, b1, c21);
            x = Vector512.Create(default(TA).Get(ref a, lda, i + 3, kk));
            c30 = MulAdd512(x, b0, c30);
            c31 = MulAdd512(x, b1, c31);
        }

        FinishW(c00, ref c, ref p, r0, write); FinishW(c01, ref c, ref p, r0 + w1, write);
        FinishW(c10, ref c, ref p, r1, write); FinishW(c11, ref c, ref p, r1 + w1, write);
        FinishW(c20, ref c, ref p, r2, write); FinishW(c21, ref c, ref p, r2 + w1, write);
        FinishW(c30, ref c, ref p, r3, write); FinishW(c31, ref c, ref p, r3 + w1, write);
    }

    private static void Panel1x2W<T, TA>(ref T a, int lda, ref T b, int ldb, ref T c, ref T p, int ldc, int i, int k, GradientWrite<T> write)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TA : struct, IAccess
    {
        nuint w1 = (nuint)Vector512<T>.Count;
        nuint r0 = (nuint)(i * ldc);
        bool zero = write.Overwrite;
        Vector512<T> c00 = StartW(ref c, r0, zero), c01 = StartW(ref c, r0 + w1, zero);
        for (int kk = 0; kk < k; kk++)
        {
            ref T bk = ref Unsafe.Add(ref b, kk * ldb);
            var x = Vector512.Create(default(TA).Get(ref a, lda, i, kk));
            c00 = MulAdd512(x, Vector512.LoadUnsafe(ref bk), c00);
            c01 = MulAdd512(x, Vector512.LoadUnsafe(ref bk, w1), c01);
        }

        FinishW(c00, ref c, ref p, r0, write); FinishW(c01, ref c, ref p, r0 + w1, write);
    }

    private static void Panel1x1W<T>(ref T a, int lda, ref T b, int ldb, ref T c, int ldc, int i, int k)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        nuint r0 = (nuint)(i * ldc);
        var c00 = Vector512.LoadUnsafe(ref c, r0);
        for (int kk = 0; kk < k; kk++)
        {
            c00 = MulAdd512(Vector512.Create(default(Normal).Get(ref a, lda, i, kk)), Vector512.LoadUnsafe(ref Unsafe.Add(ref b, kk * ldb)), c00);
        }

        c00.StoreUnsafe(ref c, r0);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> StartW<T>(ref T c, nuint offset, bool zero)
        where T : unmanaged, IFloatingPointIeee754<T>
        => zero ? Vector512<T>.Zero : Vector512.LoadUnsafe(ref c, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FinishW<T>(Vector512<T> value, ref T c, ref T p, nuint offset, GradientWrite<T> write)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (write.Step)
        {
            StoreStepped(value, ref c, offset);
            (Vector512.LoadUnsafe(ref p, offset) + Vector512.Create(-write.LearningRate) * value).StoreUnsafe(ref p, offset);
            return;
        }

        value.StoreUnsafe(ref c, offset);
    }

    /// <summary>An accumulator's start: C's current value, or zero when the gradient is written over.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> Start<T>(ref T c, nuint offset, bool zero)
        where T : unmanaged, IFloatingPointIeee754<T>
        => zero ? Vector256<T>.Zero : Vector256.LoadUnsafe(ref c, offset);

    /// <summary>Stores an accumulator into C and, when the write steps, P += (−rate)·C (rounded as <see cref="ScaleAdd{T}"/> rounds).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Finish<T>(Vector256<T> value, ref T c, ref T p, nuint offset, GradientWrite<T> write)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (write.Step)
        {
            StoreStepped(value, ref c, offset);
            (Vector256.LoadUnsafe(ref p, offset) + Vector256.Create(-write.LearningRate) * value).StoreUnsafe(ref p, offset);
            return;
        }

        value.StoreUnsafe(ref c, offset);
    }

    /// <summary>
    /// A stepped gradient's vector into C: past the caches (a non-temporal store) where
    /// <see cref="StreamSteppedGradients"/> is on and the vector fills an aligned line (or half of
    /// one), else stored as usual. C must be pinned (<see cref="MultiplyAddTNPacked{T, TW}"/>); whoever
    /// streams fences once after the product.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StoreStepped<T>(Vector512<T> value, ref T c, nuint offset)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T target = ref Unsafe.Add(ref c, offset);
        if (StreamSteppedGradients && ((nuint)Unsafe.AsPointer(ref target) & 63) == 0)
        {
            if (typeof(T) == typeof(float))
            {
                Avx512F.StoreAlignedNonTemporal((float*)Unsafe.AsPointer(ref target), value.AsSingle());
            }
            else
            {
                Avx512F.StoreAlignedNonTemporal((double*)Unsafe.AsPointer(ref target), value.AsDouble());
            }
        }
        else
        {
            value.StoreUnsafe(ref target);
        }
    }

    /// <inheritdoc cref="StoreStepped{T}(Vector512{T}, ref T, nuint)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StoreStepped<T>(Vector256<T> value, ref T c, nuint offset)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T target = ref Unsafe.Add(ref c, offset);
        if (StreamSteppedGradients && Avx.IsSupported && ((nuint)Unsafe.AsPointer(ref target) & 31) == 0)
        {
            if (typeof(T) == typeof(float))
            {
                Avx.StoreAlignedNonTemporal((float*)Unsafe.AsPointer(ref target), value.AsSingle());
            }
            else
            {
                Avx.StoreAlignedNonTemporal((double*)Unsafe.AsPointer(ref target), value.AsDouble());
            }
        }
        else
        {
            value.StoreUnsafe(ref target);
        }
    }

    /// <summary>After a product that stepped: its streamed stores ordered before whatever this thread stores next.</summary>
    private static void FenceSteppedGradients<T>(GradientWrite<T> write)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (write.Step && StreamSteppedGradients && Sse.IsSupported)
        {
            Sse.StoreFence();
        }
    }

    /// <summary>a·b + c on 512-bit vectors, fused (one rounding).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> MulAdd512<T>(Vector512<T> a, Vector512<T> b, Vector512<T> c)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (Avx512F.IsSupported)
        {
            if (typeof(T) == typeof(double))
            {
                return Avx512F.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
            }

            if (typeof(T) == typeof(float))
            {
                return Avx512F.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
            }
        }

        return a * b + c;
    }

    /// <summary>a·b + c, fused (one rounding) where the CPU has FMA.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> MulAdd<T>(Vector256<T> a, Vector256<T> b, Vector256<T> c)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (Fma.IsSupported)
        {
            if (typeof(T) == typeof(double))
            {
                return Fma.MultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
            }

            if (typeof(T) == typeof(float))
            {
                return Fma.MultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
            }
        }

        return a * b + c;
    }

    /// <summary>
    /// The vector width of a packed product, as static members the JIT resolves per width: the
    /// drivers are written once, and their 256- and 512-bit forms are the same code.
    /// </summary>
    internal interface IPanels<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        /// <summary>Elements per vector.</summary>
        static abstract int Width { get; }

        /// <summary>Rows of B per packed block of dH and the forward pass (<see cref="Blocking"/>: the three-vector panel stays in L1).</summary>
        static abstract int KBlock { get; }

        /// <summary>Copies one vector.</summary>
        static abstract void Copy(ref T source, nuint sourceOffset, ref T destination, nuint destinationOffset);

        static abstract void Panel4x3<TA>(ref T a, int lda, ref T b, int ldb, ref T c, ref T p, int ldc, int i, int k, GradientWrite<T> write)
            where TA : struct, IAccess;

        static abstract void Panel4x2<TA>(ref T a, int lda, ref T b, int ldb, ref T c, ref T p, int ldc, int i, int k, GradientWrite<T> write)
            where TA : struct, IAccess;

        static abstract void Panel1x2<TA>(ref T a, int lda, ref T b, int ldb, ref T c, ref T p, int ldc, int i, int k, GradientWrite<T> write)
            where TA : struct, IAccess;

        static abstract void Panel1x1(ref T a, int lda, ref T b, int ldb, ref T c, int ldc, int i, int k);

        /// <summary>Eight rows of C against a three-vector panel, doing <typeparamref name="TN"/>'s part with the next panel (at <paramref name="next"/>, rows <paramref name="ldNext"/> apart) as it goes.</summary>
        static abstract void Panel8x3<TA, TN>(ref T a, int lda, ref T b, int ldb, ref T c, ref T p, int ldc, int i, int k, GradientWrite<T> write, ref T next, int ldNext)
            where TA : struct, IAccess
            where TN : struct, INextPanel;

        static abstract void Panel8x2<TA>(ref T a, int lda, ref T b, int ldb, ref T c, ref T p, int ldc, int i, int k, GradientWrite<T> write)
            where TA : struct, IAccess;
    }

    /// <summary>256-bit panels.</summary>
    internal readonly struct Panels256<T> : IPanels<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static int Width => Vector256<T>.Count;

        public static int KBlock => Blocking.Current.PanelRows256;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Copy(ref T source, nuint sourceOffset, ref T destination, nuint destinationOffset) =>
            Vector256.LoadUnsafe(ref source, sourceOffset).StoreUnsafe(ref destination, destinationOffset);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Panel4x3<TA>(ref T a, int lda, ref T b, int ldb, ref T c, ref T p, int ldc, int i, int k, GradientWrite<T> write)
            where TA : struct, IAccess => Gemm.Panel4x3<T, TA, NoNextPanel>(ref a, lda, ref b, ldb, ref c, ref p, ldc, i, k, write, ref Unsafe.NullRef<T>(), 0);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Panel4x2<TA>(ref T a, int lda, ref T b, int ldb, ref T c, ref T p, int ldc, int i, int k, GradientWrite<T> write)
            where TA : struct, IAccess => Gemm.Panel4x2<T, TA>(ref a, lda, ref b, ldb, ref c, ref p, ldc, i, k, write);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Panel1x2<TA>(ref T a, int lda, ref T b, int ldb, ref T c, ref T p, int ldc, int i, int k, GradientWrite<T> write)
            where TA : struct, IAccess => Gemm.Panel1x2<T, TA>(ref a, lda, ref b, ldb, ref c, ref p, ldc, i, k, write);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Panel1x1(ref T a, int lda, ref T b, int ldb, ref T c, int ldc, int i, int k) =>
            Gemm.Panel1x1(ref a, lda, ref b, ldb, ref c, ldc, i, k);

        // Sixteen 256-bit registers hold no eight-row panel: two four-row ones, the second (which reads the panel last) doing TN's part.
        public static void Panel8x3<TA, TN>(ref T a, int lda, ref T b, int ldb, ref T c, ref T p, int ldc, int i, int k, GradientWrite<T> write, ref T next, int ldNext)
            where TA : struct, IAccess
            where TN : struct, INextPanel
        {
            Gemm.Panel4x3<T, TA, NoNextPanel>(ref a, lda, ref b, ldb, ref c, ref p, ldc, i, k, write, ref next, ldNext);
            Gemm.Panel4x3<T, TA, TN>(ref a, lda, ref b, ldb, ref c, ref p, ldc, i + 4, k, write, ref next, ldNext);
        }

        public static void Panel8x2<TA>(ref T a, int lda, ref T b, int ldb, ref T c, ref T p, int ldc, int i, int k, GradientWrite<T> write)
            where TA : struct, IAccess
        {
            Gemm.Panel4x2<T, TA>(ref a, lda, ref b, ldb, ref c, ref p, ldc, i, k, write);
            Gemm.Panel4x2<T, TA>(ref a, lda, ref b, ldb, ref c, ref p, ldc, i + 4, k, write);
        }
    }

    /// <summary>512-bit panels (used only where the CPU runs them).</summary>
    internal readonly struct Panels512<T> : IPanels<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static int Width => Vector512<T>.Count;

        public static int KBlock => Blocking.Current.PanelRows512;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Copy(ref T source, nuint sourceOffset, ref T destination, nuint destinationOffset) =>
            Vector512.LoadUnsafe(ref source, sourceOffset).StoreUnsafe(ref destination, destinationOffset);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Panel4x3<TA>(ref T a, int lda, ref T b, int ldb, ref T c, ref T p, int ldc, int i, int k, GradientWrite<T> write)
            where TA : struct, IAccess => Panel4x3W<T, TA>(ref a, lda, ref b, ldb, ref c, ref p, ldc, i, k, write);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Panel4x2<TA>(ref T a, int lda, ref T b, int ldb, ref T c, ref T p, int ldc, int i, int k, GradientWrite<T> write)
            where TA : struct, IAccess => Panel4x2W<T, TA>(ref a, lda, ref b, ldb, ref c, ref p, ldc, i, k, write);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Panel1x2<TA>(ref T a, int lda, ref T b, int ldb, ref T c, ref T p, int ldc, int i, int k, GradientWrite<T> write)
            where TA : struct, IAccess => Panel1x2W<T, TA>(ref a, lda, ref b, ldb, ref c, ref p, ldc, i, k, write);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Panel1x1(ref T a, int lda, ref T b, int ldb, ref T c, int ldc, int i, int k) =>
            Panel1x1W(ref a, lda, ref b, ldb, ref c, ldc, i, k);

        public static void Panel8x3<TA, TN>(ref T a, int lda, ref T b, int ldb, ref T c, ref T p, int ldc, int i, int k, GradientWrite<T> write, ref T next, int ldNext)
            where TA : struct, IAccess
            where TN : struct, INextPanel => Panel8x3W<T, TA, TN>(ref a, lda, ref b, ldb, ref c, ref p, ldc, i, k, write, ref next, ldNext);

        public static void Panel8x2<TA>(ref T a, int lda, ref T b, int ldb, ref T c, ref T p, int ldc, int i, int k, GradientWrite<T> write)
            where TA : struct, IAccess => Panel8x2W<T, TA>(ref a, lda, ref b, ldb, ref c, ref p, ldc, i, k, write);
    }

    /// <summary>How the left operand is read: row-major (A) or transposed (Aᵀ).</summary>
    public interface IAccess
    {
        T Get<T>(ref T a, int lda, int i, int k);
    }

    /// <summary>A(i, k) = A[i·lda + k].</summary>
    public readonly struct Normal : IAccess
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public T Get<T>(ref T a, int lda, int i, int k) => Unsafe.Add(ref a, i * lda + k);
    }

    /// <summary>A(i, k) = A[k·lda + i].</summary>
    public readonly struct Transposed : IAccess
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public T Get<T>(ref T a, int lda, int i, int k) => Unsafe.Add(ref a, k * lda + i);
    }
}

/// <summary>A per-thread scratch buffer for packed operands: allocated on a thread's first use, reused after.</summary>
internal static class Scratch<T>
    where T : unmanaged
{
    [ThreadStatic]
    private static T[]? t_buffer;

    /// <summary>This thread's buffer, of at least <paramref name="length"/> elements (<see cref="ScratchArrays.Grow{TValue}"/>).</summary>
    public static T[] Get(int length) => ScratchArrays.Grow(ref t_buffer, length);
}
