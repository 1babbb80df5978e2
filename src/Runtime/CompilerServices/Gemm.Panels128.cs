using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace SkipNet.CompilerServices;

// The products on 128-bit vectors, for CPUs whose widest accelerated vectors they are: ARM64 (NEON,
// with its fused multiply-add), x86 without AVX2 and WebAssembly. The packed products' drivers are
// the 256- and 512-bit ones (IPanels); only the register panels are written again, with the same
// order of operations: each element of C is one chain of multiply-adds in the order of k, from C's
// value or zero. The forward product's dot blocks (fewer than eight samples) get 128-bit dots.
internal static partial class Gemm
{
    /// <summary>Whether 128-bit vectors are the widest the products use: the runtime accelerates them and no wider ones (or tests turned those off).</summary>
    private static bool Vector128IsWidest =>
        !(UseVector256 && Vector256.IsHardwareAccelerated) && !(UseVector512 && Vector512.IsHardwareAccelerated) && Vector128.IsHardwareAccelerated;

    /// <summary>Whether the packed products run on 128-bit panels: those are the widest vectors, and the rows hold at least one two-vector panel.</summary>
    private static bool HasNarrowVectorRows<T>(int width)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Vector128IsWidest && width >= 2 * Vector128<T>.Count;

    /// <summary>Whether the forward product's dot blocks (a few samples) run on 128-bit vectors: those are the widest, and k holds one.</summary>
    private static bool HasNarrowDots<T>(int k)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Vector128IsWidest && k >= Vector128<T>.Count;

    /// <summary>
    /// One row of A against four rows of B over the first <paramref name="length"/> elements (whole
    /// 128-bit vectors): four dot products, each one vector accumulator summed at the end, so every
    /// dot block (one, two or four samples) computes a sample's value alike.
    /// </summary>
    private static (T, T, T, T) DotsNarrow<T>(ref T a, ref T b0, ref T b1, ref T b2, ref T b3, int length)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Vector128<T> c0 = default, c1 = default, c2 = default, c3 = default;
        for (int kk = 0; kk < length; kk += Vector128<T>.Count)
        {
            var x = Vector128.LoadUnsafe(ref a, (nuint)kk);
            c0 = MulAdd128(x, Vector128.LoadUnsafe(ref b0, (nuint)kk), c0);
            c1 = MulAdd128(x, Vector128.LoadUnsafe(ref b1, (nuint)kk), c1);
            c2 = MulAdd128(x, Vector128.LoadUnsafe(ref b2, (nuint)kk), c2);
            c3 = MulAdd128(x, Vector128.LoadUnsafe(ref b3, (nuint)kk), c3);
        }

        return (Vector128.Sum(c0), Vector128.Sum(c1), Vector128.Sum(c2), Vector128.Sum(c3));
    }

    /// <summary>a·b + c on 128-bit vectors, fused (one rounding) where the CPU has FMA (x86's FMA3, ARM64's NEON).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> MulAdd128<T>(Vector128<T> a, Vector128<T> b, Vector128<T> c)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(double))
        {
            if (Fma.IsSupported)
            {
                return Fma.MultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
            }

            if (AdvSimd.Arm64.IsSupported)
            {
                return AdvSimd.Arm64.FusedMultiplyAdd(c.AsDouble(), a.AsDouble(), b.AsDouble()).As<double, T>();
            }
        }

        if (typeof(T) == typeof(float))
        {
            if (Fma.IsSupported)
            {
                return Fma.MultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
            }

            if (AdvSimd.IsSupported)
            {
                return AdvSimd.FusedMultiplyAdd(c.AsSingle(), a.AsSingle(), b.AsSingle()).As<float, T>();
            }
        }

        return a * b + c;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<T> Start128<T>(ref T c, nuint offset, bool zero)
        where T : unmanaged, IFloatingPointIeee754<T>
        => zero ? Vector128<T>.Zero : Vector128.LoadUnsafe(ref c, offset);

    /// <summary>As <see cref="Finish{T}"/>, on 128-bit vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Finish128<T>(Vector128<T> value, ref T c, ref T p, nuint offset, GradientWrite<T> write)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        value.StoreUnsafe(ref c, offset);
        if (write.Step)
        {
            (Vector128.LoadUnsafe(ref p, offset) + Vector128.Create(-write.LearningRate) * value).StoreUnsafe(ref p, offset);
        }
    }

    /// <summary>As <see cref="Panel4x3{T, TA, TN}"/> on 128-bit vectors: 12 accumulators, 3 loads of B and 4 of A per 12 multiply-adds.</summary>
    private static void Panel4x3N<T, TA, TN>(ref T a, int lda, ref T b, int ldb, ref T c, ref T p, int ldc, int i, int k, GradientWrite<T> write, ref T next, int ldNext)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TA : struct, IAccess
        where TN : struct, INextPanel
    {
        nuint w1 = (nuint)Vector128<T>.Count, w2 = 2 * w1;
        nuint r0 = (nuint)(i * ldc), r1 = r0 + (nuint)ldc, r2 = r1 + (nuint)ldc, r3 = r2 + (nuint)ldc;
        bool zero = write.Overwrite;
        Vector128<T> c00 = Start128(ref c, r0, zero), c01 = Start128(ref c, r0 + w1, zero), c02 = Start128(ref c, r0 + w2, zero);
        Vector128<T> c10 = Start128(ref c, r1, zero), c11 = Start128(ref c, r1 + w1, zero), c12 = Start128(ref c, r1 + w2, zero);
        Vector128<T> c20 = Start128(ref c, r2, zero), c21 = Start128(ref c, r2 + w1, zero), c22 = Start128(ref c, r2 + w2, zero);
        Vector128<T> c30 = Start128(ref c, r3, zero), c31 = Start128(ref c, r3 + w1, zero), c32 = Start128(ref c, r3 + w2, zero);
        for (int kk = 0; kk < k; kk++)
        {
            ref T bk = ref Unsafe.Add(ref b, kk * ldb);
            var b0 = Vector128.LoadUnsafe(ref bk);
            var b1 = Vector128.LoadUnsafe(ref bk, w1);
            var b2 = Vector128.LoadUnsafe(ref bk, w2);
            TN.Row<T, Panels128<T>>(ref bk, ref Unsafe.Add(ref next, kk * ldNext));
            var x = Vector128.Create(default(TA).Get(ref a, lda, i, kk));
            c00 = MulAdd128(x, b0, c00); c01 = MulAdd128(x, b1, c01); c02 = MulAdd128(x, b2, c02);
            x = Vector128.Create(default(TA).Get(ref a, lda, i + 1, kk));
            c10 = MulAdd128(x, b0, c10); c11 = MulAdd128(x, b1, c11); c12 = MulAdd128(x, b2, c12);
            x = Vector128.Create(default(TA).Get(ref a, lda, i + 2, kk));
            c20 = MulAdd128(x, b0, c20); c21 = MulAdd128(x, b1, c21); c22 = MulAdd128(x, b2, c22);
            x = Vector128.Create(default(TA).Get(ref a, lda, i + 3, kk));
            c30 = MulAdd128(x, b0, c30); c31 = MulAdd128(x, b1, c31); c32 = MulAdd128(x, b2, c32);
        }

        Finish128(c00, ref c, ref p, r0, write); Finish128(c01, ref c, ref p, r0 + w1, write); Finish128(c02, ref c, ref p, r0 + w2, write);
        Finish128(c10, ref c, ref p, r1, write); Finish128(c11, ref c, ref p, r1 + w1, write); Finish128(c12, ref c, ref p, r1 + w2, write);
        Finish128(c20, ref c, ref p, r2, write); Finish128(c21, ref c, ref p, r2 + w1, write); Finish128(c22, ref c, ref p, r2 + w2, write);
        Finish128(c30, ref c, ref p, r3, write); Finish128(c31, ref c, ref p, r3 + w1, write); Finish128(c32, ref c, ref p, r3 + w2, write);
    }

    /// <summary>As <see cref="Panel4x2{T, TA}"/> on 128-bit vectors.</summary>
    private static void Panel4x2N<T, TA>(ref T a, int lda, ref T b, int ldb, ref T c, ref T p, int ldc, int i, int k, GradientWrite<T> write)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TA : struct, IAccess
    {
        nuint w1 = (nuint)Vector128<T>.Count;
        nuint r0 = (nuint)(i * ldc), r1 = r0 + (nuint)ldc, r2 = r1 + (nuint)ldc, r3 = r2 + (nuint)ldc;
        bool zero = write.Overwrite;
        Vector128<T> c00 = Start128(ref c, r0, zero), c01 = Start128(ref c, r0 + w1, zero);
        Vector128<T> c10 = Start128(ref c, r1, zero), c11 = Start128(ref c, r1 + w1, zero);
        Vector128<T> c20 = Start128(ref c, r2, zero), c21 = Start128(ref c, r2 + w1, zero);
        Vector128<T> c30 = Start128(ref c, r3, zero), c31 = Start128(ref c, r3 + w1, zero);
        for (int kk = 0; kk < k; kk++)
        {
            ref T bk = ref Unsafe.Add(ref b, kk * ldb);
            var b0 = Vector128.LoadUnsafe(ref bk);
            var b1 = Vector128.LoadUnsafe(ref bk, w1);
            var x = Vector128.Create(default(TA).Get(ref a, lda, i, kk));
            c00 = MulAdd128(x, b0, c00); c01 = MulAdd128(x, b1, c01);
            x = Vector128.Create(default(TA).Get(ref a, lda, i + 1, kk));
            c10 = MulAdd128(x, b0, c10); c11 = MulAdd128(x, b1, c11);
            x = Vector128.Create(default(TA).Get(ref a, lda, i + 2, kk));
            c20 = MulAdd128(x, b0, c20); c21 = MulAdd128(x, b1, c21);
            x = Vector128.Create(default(TA).Get(ref a, lda, i + 3, kk));
            c30 = MulAdd128(x, b0, c30); c31 = MulAdd128(x, b1, c31);
        }

        Finish128(c00, ref c, ref p, r0, write); Finish128(c01, ref c, ref p, r0 + w1, write);
        Finish128(c10, ref c, ref p, r1, write); Finish128(c11, ref c, ref p, r1 + w1, write);
        Finish128(c20, ref c, ref p, r2, write); Finish128(c21, ref c, ref p, r2 + w1, write);
        Finish128(c30, ref c, ref p, r3, write); Finish128(c31, ref c, ref p, r3 + w1, write);
    }

    /// <summary>As <see cref="Panel1x2{T, TA}"/> on 128-bit vectors.</summary>
    private static void Panel1x2N<T, TA>(ref T a, int lda, ref T b, int ldb, ref T c, ref T p, int ldc, int i, int k, GradientWrite<T> write)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TA : struct, IAccess
    {
        nuint w1 = (nuint)Vector128<T>.Count;
        nuint r0 = (nuint)(i * ldc);
        bool zero = write.Overwrite;
        Vector128<T> c00 = Start128(ref c, r0, zero), c01 = Start128(ref c, r0 + w1, zero);
        for (int kk = 0; kk < k; kk++)
        {
            ref T bk = ref Unsafe.Add(ref b, kk * ldb);
            var x = Vector128.Create(default(TA).Get(ref a, lda, i, kk));
            c00 = MulAdd128(x, Vector128.LoadUnsafe(ref bk), c00);
            c01 = MulAdd128(x, Vector128.LoadUnsafe(ref bk, w1), c01);
        }

        Finish128(c00, ref c, ref p, r0, write); Finish128(c01, ref c, ref p, r0 + w1, write);
    }

    /// <summary>As <see cref="Panel1x1{T}"/> on 128-bit vectors.</summary>
    private static void Panel1x1N<T>(ref T a, int lda, ref T b, int ldb, ref T c, int ldc, int i, int k)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        nuint r0 = (nuint)(i * ldc);
        var c00 = Vector128.LoadUnsafe(ref c, r0);
        for (int kk = 0; kk < k; kk++)
        {
            c00 = MulAdd128(Vector128.Create(default(Normal).Get(ref a, lda, i, kk)), Vector128.LoadUnsafe(ref Unsafe.Add(ref b, kk * ldb)), c00);
        }

        c00.StoreUnsafe(ref c, r0);
    }

    /// <summary>128-bit panels (where the CPU's widest accelerated vectors are 128 bits).</summary>
    internal readonly struct Panels128<T> : IPanels<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static int Width => Vector128<T>.Count;

        /// <summary>As many rows as the 256-bit panels: half their bytes, well inside the L1.</summary>
        public static int KBlock => Blocking.Current.PanelRows256;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Copy(ref T source, nuint sourceOffset, ref T destination, nuint destinationOffset) =>
            Vector128.LoadUnsafe(ref source, sourceOffset).StoreUnsafe(ref destination, destinationOffset);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Panel4x3<TA>(ref T a, int lda, ref T b, int ldb, ref T c, ref T p, int ldc, int i, int k, GradientWrite<T> write)
            where TA : struct, IAccess => Panel4x3N<T, TA, NoNextPanel>(ref a, lda, ref b, ldb, ref c, ref p, ldc, i, k, write, ref Unsafe.NullRef<T>(), 0);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Panel4x2<TA>(ref T a, int lda, ref T b, int ldb, ref T c, ref T p, int ldc, int i, int k, GradientWrite<T> write)
            where TA : struct, IAccess => Panel4x2N<T, TA>(ref a, lda, ref b, ldb, ref c, ref p, ldc, i, k, write);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Panel1x2<TA>(ref T a, int lda, ref T b, int ldb, ref T c, ref T p, int ldc, int i, int k, GradientWrite<T> write)
            where TA : struct, IAccess => Panel1x2N<T, TA>(ref a, lda, ref b, ldb, ref c, ref p, ldc, i, k, write);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Panel1x1(ref T a, int lda, ref T b, int ldb, ref T c, int ldc, int i, int k) =>
            Panel1x1N(ref a, lda, ref b, ldb, ref c, ldc, i, k);

        // Two four-row panels (x86 has 16 128-bit registers; ARM64's 32 would hold eight rows, not measured here), the second (which reads the panel last) doing TN's part.
        public static void Panel8x3<TA, TN>(ref T a, int lda, ref T b, int ldb, ref T c, ref T p, int ldc, int i, int k, GradientWrite<T> write, ref T next, int ldNext)
            where TA : struct, IAccess
            where TN : struct, INextPanel
        {
            Panel4x3N<T, TA, NoNextPanel>(ref a, lda, ref b, ldb, ref c, ref p, ldc, i, k, write, ref next, ldNext);
            Panel4x3N<T, TA, TN>(ref a, lda, ref b, ldb, ref c, ref p, ldc, i + 4, k, write, ref next, ldNext);
        }

        public static void Panel8x2<TA>(ref T a, int lda, ref T b, int ldb, ref T c, ref T p, int ldc, int i, int k, GradientWrite<T> write)
            where TA : struct, IAccess
        {
            Panel4x2N<T, TA>(ref a, lda, ref b, ldb, ref c, ref p, ldc, i, k, write);
            Panel4x2N<T, TA>(ref a, lda, ref b, ldb, ref c, ref p, ldc, i + 4, k, write);
        }
    }
}
