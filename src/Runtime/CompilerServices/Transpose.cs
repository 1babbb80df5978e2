using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SkipNet.CompilerServices;

/// <summary>
/// Transposed copies for the forward product, which computes Zᵀ = W·Hᵀ: H's rows packed as the
/// panel's columns, and Zᵀ added back into Z. Square tiles of one 512-bit vector's lanes (16 floats
/// or 8 doubles) are transposed in registers; the edges, and CPUs without AVX-512, go one element
/// at a time. Pure data movement (the add is one addition per element, as the scalar loop does), so
/// every path gives the same bits.
/// </summary>
internal static class Transpose
{
    /// <summary>destination[c·ldd + r] = source[r·lds + c] for r &lt; rows, c &lt; columns.</summary>
    public static void Copy<T>(ref T source, int lds, ref T destination, int ldd, int rows, int columns)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Run<T, Store>(ref source, lds, ref destination, ldd, rows, columns);

    /// <summary>destination[c·ldd + r] += source[r·lds + c] for r &lt; rows, c &lt; columns.</summary>
    public static void Add<T>(ref T source, int lds, ref T destination, int ldd, int rows, int columns)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Run<T, AddTo>(ref source, lds, ref destination, ldd, rows, columns);

    /// <summary>Whether whole tiles go through vector registers on this CPU (tests compare both ways).</summary>
    internal static bool UseVectors { get; set; } = true;

    private static void Run<T, TOp>(ref T source, int lds, ref T destination, int ldd, int rows, int columns)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TOp : struct, IWrite
    {
        int r = 0;
        if (UseVectors && SpecialFunctions.IsVector512 && (typeof(T) == typeof(float) || typeof(T) == typeof(double)))
        {
            int n = Vector512<T>.Count;
            int rowEnd = rows - rows % n, columnEnd = columns - columns % n;
            for (int r0 = 0; r0 < rowEnd; r0 += n)
            {
                for (int c0 = 0; c0 < columnEnd; c0 += n)
                {
                    if (typeof(T) == typeof(float))
                    {
                        Tile16<TOp>(ref Unsafe.As<T, float>(ref Unsafe.Add(ref source, r0 * lds + c0)), lds, ref Unsafe.As<T, float>(ref Unsafe.Add(ref destination, c0 * ldd + r0)), ldd);
                    }
                    else
                    {
                        Tile8<TOp>(ref Unsafe.As<T, double>(ref Unsafe.Add(ref source, r0 * lds + c0)), lds, ref Unsafe.As<T, double>(ref Unsafe.Add(ref destination, c0 * ldd + r0)), ldd);
                    }
                }
            }

            // The edges: the columns past the last whole tile in the tiled rows, then the rows below.
            Scalar<T, TOp>(ref source, lds, ref destination, ldd, 0, rowEnd, columnEnd, columns);
            r = rowEnd;
        }

        Scalar<T, TOp>(ref source, lds, ref destination, ldd, r, rows, 0, columns);
    }

    private static void Scalar<T, TOp>(ref T source, int lds, ref T destination, int ldd, int r0, int r1, int c0, int c1)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TOp : struct, IWrite
    {
        for (int r = r0; r < r1; r++)
        {
            ref T row = ref Unsafe.Add(ref source, r * lds);
            for (int c = c0; c < c1; c++)
            {
                TOp.Write(ref Unsafe.Add(ref destination, c * ldd + r), Unsafe.Add(ref row, c));
            }
        }
    }

    /// <summary>
    /// A 16 × 16 float tile in four stages: at stage h, rows i and i + h (i &amp; h = 0) swap the
    /// columns c with c &amp; h ≠ 0 of row i for the columns c − h of row i + h, one two-register
    /// permute per row; after h = 8, 4, 2, 1 the tile is transposed. Written out so that the 16 rows
    /// stay in registers.
    /// </summary>
    private static void Tile16<TOp>(ref float source, int lds, ref float destination, int ldd)
        where TOp : struct, IWrite
    {
        var r0 = Vector512.LoadUnsafe(ref Unsafe.Add(ref source, 0 * lds));
        var r1 = Vector512.LoadUnsafe(ref Unsafe.Add(ref source, 1 * lds));
        var r2 = Vector512.LoadUnsafe(ref Unsafe.Add(ref source, 2 * lds));
        var r3 = Vector512.LoadUnsafe(ref Unsafe.Add(ref source, 3 * lds));
        var r4 = Vector512.LoadUnsafe(ref Unsafe.Add(ref source, 4 * lds));
        var r5 = Vector512.LoadUnsafe(ref Unsafe.Add(ref source, 5 * lds));
        var r6 = Vector512.LoadUnsafe(ref Unsafe.Add(ref source, 6 * lds));
        var r7 = Vector512.LoadUnsafe(ref Unsafe.Add(ref source, 7 * lds));
        var r8 = Vector512.LoadUnsafe(ref Unsafe.Add(ref source, 8 * lds));
        var r9 = Vector512.LoadUnsafe(ref Unsafe.Add(ref source, 9 * lds));
        var r10 = Vector512.LoadUnsafe(ref Unsafe.Add(ref source, 10 * lds));
        var r11 = Vector512.LoadUnsafe(ref Unsafe.Add(ref source, 11 * lds));
        var r12 = Vector512.LoadUnsafe(ref Unsafe.Add(ref source, 12 * lds));
        var r13 = Vector512.LoadUnsafe(ref Unsafe.Add(ref source, 13 * lds));
        var r14 = Vector512.LoadUnsafe(ref Unsafe.Add(ref source, 14 * lds));
        var r15 = Vector512.LoadUnsafe(ref Unsafe.Add(ref source, 15 * lds));

        var low8 = Indices16.Low8;
        var high8 = Indices16.High8;
        Swap(ref r0, ref r8, low8, high8);
        Swap(ref r1, ref r9, low8, high8);
        Swap(ref r2, ref r10, low8, high8);
        Swap(ref r3, ref r11, low8, high8);
        Swap(ref r4, ref r12, low8, high8);
        Swap(ref r5, ref r13, low8, high8);
        Swap(ref r6, ref r14, low8, high8);
        Swap(ref r7, ref r15, low8, high8);

        var low4 = Indices16.Low4;
        var high4 = Indices16.High4;
        Swap(ref r0, ref r4, low4, high4);
        Swap(ref r1, ref r5, low4, high4);
        Swap(ref r2, ref r6, low4, high4);
        Swap(ref r3, ref r7, low4, high4);
        Swap(ref r8, ref r12, low4, high4);
        Swap(ref r9, ref r13, low4, high4);
        Swap(ref r10, ref r14, low4, high4);
        Swap(ref r11, ref r15, low4, high4);

        var low2 = Indices16.Low2;
        var high2 = Indices16.High2;
        Swap(ref r0, ref r2, low2, high2);
        Swap(ref r1, ref r3, low2, high2);
        Swap(ref r4, ref r6, low2, high2);
        Swap(ref r5, ref r7, low2, high2);
        Swap(ref r8, ref r10, low2, high2);
        Swap(ref r9, ref r11, low2, high2);
        Swap(ref r12, ref r14, low2, high2);
        Swap(ref r13, ref r15, low2, high2);

        var low1 = Indices16.Low1;
        var high1 = Indices16.High1;
        Swap(ref r0, ref r1, low1, high1);
        Swap(ref r2, ref r3, low1, high1);
        Swap(ref r4, ref r5, low1, high1);
        Swap(ref r6, ref r7, low1, high1);
        Swap(ref r8, ref r9, low1, high1);
        Swap(ref r10, ref r11, low1, high1);
        Swap(ref r12, ref r13, low1, high1);
        Swap(ref r14, ref r15, low1, high1);

        TOp.Write(r0, ref Unsafe.Add(ref destination, 0 * ldd));
        TOp.Write(r1, ref Unsafe.Add(ref destination, 1 * ldd));
        TOp.Write(r2, ref Unsafe.Add(ref destination, 2 * ldd));
        TOp.Write(r3, ref Unsafe.Add(ref destination, 3 * ldd));
        TOp.Write(r4, ref Unsafe.Add(ref destination, 4 * ldd));
        TOp.Write(r5, ref Unsafe.Add(ref destination, 5 * ldd));
        TOp.Write(r6, ref Unsafe.Add(ref destination, 6 * ldd));
        TOp.Write(r7, ref Unsafe.Add(ref destination, 7 * ldd));
        TOp.Write(r8, ref Unsafe.Add(ref destination, 8 * ldd));
        TOp.Write(r9, ref Unsafe.Add(ref destination, 9 * ldd));
        TOp.Write(r10, ref Unsafe.Add(ref destination, 10 * ldd));
        TOp.Write(r11, ref Unsafe.Add(ref destination, 11 * ldd));
        TOp.Write(r12, ref Unsafe.Add(ref destination, 12 * ldd));
        TOp.Write(r13, ref Unsafe.Add(ref destination, 13 * ldd));
        TOp.Write(r14, ref Unsafe.Add(ref destination, 14 * ldd));
        TOp.Write(r15, ref Unsafe.Add(ref destination, 15 * ldd));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Swap(ref Vector512<float> a, ref Vector512<float> b, Vector512<int> low, Vector512<int> high)
    {
        var x = a;
        a = Avx512F.PermuteVar16x32x2(x, low, b);
        b = Avx512F.PermuteVar16x32x2(x, high, b);
    }

    /// <summary>An 8 × 8 double tile, as <see cref="Tile16{TOp}"/> in three stages.</summary>
    private static void Tile8<TOp>(ref double source, int lds, ref double destination, int ldd)
        where TOp : struct, IWrite
    {
        var r0 = Vector512.LoadUnsafe(ref Unsafe.Add(ref source, 0 * lds));
        var r1 = Vector512.LoadUnsafe(ref Unsafe.Add(ref source, 1 * lds));
        var r2 = Vector512.LoadUnsafe(ref Unsafe.Add(ref source, 2 * lds));
        var r3 = Vector512.LoadUnsafe(ref Unsafe.Add(ref source, 3 * lds));
        var r4 = Vector512.LoadUnsafe(ref Unsafe.Add(ref source, 4 * lds));
        var r5 = Vector512.LoadUnsafe(ref Unsafe.Add(ref source, 5 * lds));
        var r6 = Vector512.LoadUnsafe(ref Unsafe.Add(ref source, 6 * lds));
        var r7 = Vector512.LoadUnsafe(ref Unsafe.Add(ref source, 7 * lds));

        var low4 = Indices8.Low4;
        var high4 = Indices8.High4;
        Swap(ref r0, ref r4, low4, high4);
        Swap(ref r1, ref r5, low4, high4);
        Swap(ref r2, ref r6, low4, high4);
        Swap(ref r3, ref r7, low4, high4);

        var low2 = Indices8.Low2;
        var high2 = Indices8.High2;
        Swap(ref r0, ref r2, low2, high2);
        Swap(ref r1, ref r3, low2, high2);
        Swap(ref r4, ref r6, low2, high2);
        Swap(ref r5, ref r7, low2, high2);

        var low1 = Indices8.Low1;
        var high1 = Indices8.High1;
        Swap(ref r0, ref r1, low1, high1);
        Swap(ref r2, ref r3, low1, high1);
        Swap(ref r4, ref r5, low1, high1);
        Swap(ref r6, ref r7, low1, high1);

        TOp.Write(r0, ref Unsafe.Add(ref destination, 0 * ldd));
        TOp.Write(r1, ref Unsafe.Add(ref destination, 1 * ldd));
        TOp.Write(r2, ref Unsafe.Add(ref destination, 2 * ldd));
        TOp.Write(r3, ref Unsafe.Add(ref destination, 3 * ldd));
        TOp.Write(r4, ref Unsafe.Add(ref destination, 4 * ldd));
        TOp.Write(r5, ref Unsafe.Add(ref destination, 5 * ldd));
        TOp.Write(r6, ref Unsafe.Add(ref destination, 6 * ldd));
        TOp.Write(r7, ref Unsafe.Add(ref destination, 7 * ldd));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Swap(ref Vector512<double> a, ref Vector512<double> b, Vector512<long> low, Vector512<long> high)
    {
        var x = a;
        a = Avx512F.PermuteVar8x64x2(x, low, b);
        b = Avx512F.PermuteVar8x64x2(x, high, b);
    }

    /// <summary>
    /// The permutes' indices for stage h of an n-lane tile (index n + x is lane x of the second
    /// register): row i keeps lane c where c &amp; h = 0 and takes row i + h's lane c − h elsewhere;
    /// row i + h takes row i's lane c + h where c &amp; h = 0 and keeps its own lane c elsewhere.
    /// </summary>
    private static (TIndex[] Low, TIndex[] High) StageIndices<TIndex>(int n, int h)
        where TIndex : IBinaryInteger<TIndex>
    {
        var low = new TIndex[n];
        var high = new TIndex[n];
        for (int c = 0; c < n; c++)
        {
            low[c] = TIndex.CreateTruncating((c & h) == 0 ? c : n + c - h);
            high[c] = TIndex.CreateTruncating((c & h) == 0 ? c + h : n + c);
        }

        return (low, high);
    }

    private static class Indices16
    {
        public static readonly Vector512<int> Low8 = Vector512.Create(StageIndices<int>(16, 8).Low);
        public static readonly Vector512<int> High8 = Vector512.Create(StageIndices<int>(16, 8).High);
        public static readonly Vector512<int> Low4 = Vector512.Create(StageIndices<int>(16, 4).Low);
        public static readonly Vector512<int> High4 = Vector512.Create(StageIndices<int>(16, 4).High);
        public static readonly Vector512<int> Low2 = Vector512.Create(StageIndices<int>(16, 2).Low);
        public static readonly Vector512<int> High2 = Vector512.Create(StageIndices<int>(16, 2).High);
        public static readonly Vector512<int> Low1 = Vector512.Create(StageIndices<int>(16, 1).Low);
        public static readonly Vector512<int> High1 = Vector512.Create(StageIndices<int>(16, 1).High);
    }

    private static class Indices8
    {
        public static readonly Vector512<long> Low4 = Vector512.Create(StageIndices<long>(8, 4).Low);
        public static readonly Vector512<long> High4 = Vector512.Create(StageIndices<long>(8, 4).High);
        public static readonly Vector512<long> Low2 = Vector512.Create(StageIndices<long>(8, 2).Low);
        public static readonly Vector512<long> High2 = Vector512.Create(StageIndices<long>(8, 2).High);
        public static readonly Vector512<long> Low1 = Vector512.Create(StageIndices<long>(8, 1).Low);
        public static readonly Vector512<long> High1 = Vector512.Create(StageIndices<long>(8, 1).High);
    }

    /// <summary>What a transposed element or row does to its destination: overwrite it, or add to it.</summary>
    private interface IWrite
    {
        static abstract void Write<T>(ref T destination, T value) where T : unmanaged, IFloatingPointIeee754<T>;

        static abstract void Write<T>(Vector512<T> value, ref T destination) where T : unmanaged, IFloatingPointIeee754<T>;
    }

    private readonly struct Store : IWrite
    {
        public static void Write<T>(ref T destination, T value) where T : unmanaged, IFloatingPointIeee754<T> => destination = value;

        public static void Write<T>(Vector512<T> value, ref T destination) where T : unmanaged, IFloatingPointIeee754<T> => value.StoreUnsafe(ref destination);
    }

    private readonly struct AddTo : IWrite
    {
        public static void Write<T>(ref T destination, T value) where T : unmanaged, IFloatingPointIeee754<T> => destination += value;

        public static void Write<T>(Vector512<T> value, ref T destination) where T : unmanaged, IFloatingPointIeee754<T> => (Vector512.LoadUnsafe(ref destination) + value).StoreUnsafe(ref destination);
    }
}
