using System.Numerics;
using CsCheck;

namespace SkipNet.Tests;

/// <summary>
/// The batched kernels against naive loops, on random shapes that hit every blocked path and
/// every tail (sizes 1–41, batches 1–9), in double and float.
/// </summary>
public class KernelTests
{
    private static readonly Gen<(int Batch, int N, int M, int Seed)> Shapes =
        Gen.Select(Gen.Int[1, 9], Gen.Int[1, 41], Gen.Int[1, 41], Gen.Int);

    [Fact]
    public void BatchedKernelsMatchNaiveLoopsInDouble() => Shapes.Sample(s => Check<double>(s.Batch, s.N, s.M, s.Seed, 1e-12), iter: 400);

    [Fact]
    public void BatchedKernelsMatchNaiveLoopsInFloat() => Shapes.Sample(s => Check<float>(s.Batch, s.N, s.M, s.Seed, 1e-4), iter: 400);

    [Theory]
    [InlineData(5, 300, 20)]   // dH += dZ·W runs over two k-blocks of 256 rows of W
    [InlineData(3, 20, 600)]   // wide rows: many packed column panels and a tail
    [InlineData(1, 513, 517)]  // one sample: the streaming paths
    [InlineData(1, 130, 128)]  // one sample, rows of 1 KiB in double: a sixteen-vector strip (with AVX-512; two with 256-bit vectors)
    [InlineData(1, 70, 256)]   // ... in float
    [InlineData(2, 257, 9)]
    [InlineData(70, 13, 600)]  // dW over two blocks of k (64 + 6 samples) and two blocks of packed columns (512 + 88)
    [InlineData(48, 37, 300)]  // the forward product in packed panels (with AVX-512): three-vector ones (double), 512- then 256-bit (float)
    [InlineData(24, 9, 70)]    // ... 512- then 256-bit (double), 256-bit then dot products (float), units left after fours
    [InlineData(100, 21, 40)]  // ... 512-bit three-vector panels in float, four samples left to dot products
    public void KernelsMatchNaiveLoopsOnLargeShapes(int batch, int n, int m)
    {
        Check<double>(batch, n, m, seed: n * m, tolerance: 1e-12);
        Check<float>(batch, n, m, seed: n + m, tolerance: 1e-4);
    }

    [Theory]
    [InlineData(1, 37, 101)]
    [InlineData(9, 13, 5)]
    [InlineData(48, 37, 300)]
    [InlineData(64, 512, 64)] // large enough to be split over the default thread count
    public void DenseForwardIsTheBiasThenTheProductBitForBit(int batch, int n, int m)
    {
        DenseForward<double>(batch, n, m);
        DenseForward<float>(batch, n, m);
    }

    private static void DenseForward<T>(int batch, int n, int m) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(n * 7 + m + batch);
        T[] Draw(int length) => Enumerable.Range(0, length).Select(_ => T.CreateChecked(random.NextDouble() * 2 - 1)).ToArray();
        var (w, b, h) = (Draw(n * m), Draw(n), Draw(batch * m));
        var fused = Draw(batch * n); // written over
        Kernels.DenseForward<T>(w, b, h, fused, batch);
        var separate = new T[batch * n];
        Kernels.BroadcastRows<T>(b, separate);
        Kernels.MultiplyAdd<T>(w, h, separate, batch);
        fused.ShouldBe(separate, $"Z, {typeof(T).Name}");
        Should.Throw<ArgumentException>(() => Kernels.DenseForward<T>(w, new T[n + 1], h, fused, batch));
        Should.Throw<ArgumentException>(() => Kernels.DenseForward<T>(w, b, h, new T[batch * n + 1], batch));
    }

    [Theory]
    [InlineData(1, 37, 101)] // one sample in double: an eight-vector strip (with AVX-512), two-vector strips, a scalar tail
    [InlineData(2, 16, 16)]
    [InlineData(1, 130, 9)]
    [InlineData(1, 9, 300)]  // rows over 1 KiB in double: streamed row by row, not in strips of columns
    [InlineData(1, 19, 200)] // one sample in float: an eight-vector strip (with AVX-512), two-vector strips, a scalar tail
    [InlineData(1, 21, 128)] // one sample, rows of 1 KiB in double: one sixteen-vector strip (with AVX-512), the whole row
    [InlineData(1, 13, 256)] // ... the same in float
    [InlineData(2, 7, 260)]
    [InlineData(2, 5, 3)]
    [InlineData(3, 21, 40)]
    [InlineData(9, 67, 33)]
    public void DenseBackwardIsTheTwoProductsBitForBit(int batch, int n, int m)
    {
        DenseBackward<double>(batch, n, m);
        DenseBackward<float>(batch, n, m);
    }

    /// <summary>One call (one pass over M for one or two samples) against dH, then dW and the step, in every write mode.</summary>
    private static void DenseBackward<T>(int batch, int n, int m) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(n * 31 + m + batch);
        T[] Draw(int length) => Enumerable.Range(0, length).Select(_ => T.CreateChecked(random.NextDouble() * 2 - 1)).ToArray();
        var deltas = Draw(batch * n);
        var inputs = Draw(batch * m);
        var (w, dh, g) = (Draw(n * m), Draw(batch * m), Draw(n * m));
        foreach (var write in new[] { GradientWrite<T>.Accumulate, GradientWrite<T>.OverwriteOnly, GradientWrite<T>.TrainStep(T.CreateTruncating(0.1)) })
        {
            var (w1, dh1, g1) = ((T[])w.Clone(), (T[])dh.Clone(), (T[])g.Clone());
            Kernels.DenseBackward<T>(w1, deltas, inputs, dh1, g1, batch, write);
            var (w2, dh2, g2) = ((T[])w.Clone(), (T[])dh.Clone(), (T[])g.Clone());
            Kernels.TransposeMultiplyAdd<T>(w2, deltas, dh2, batch);
            Kernels.WeightGradient<T>(deltas, inputs, g2, w2, batch, write);
            dh1.ShouldBe(dh2, $"dH, {typeof(T).Name}, overwrite {write.Overwrite}, step {write.Step}");
            g1.ShouldBe(g2, $"dW, {typeof(T).Name}");
            w1.ShouldBe(w2, $"W, {typeof(T).Name}");
        }

        Should.Throw<ArgumentException>(() => Kernels.DenseBackward<T>(new T[n * m], deltas, inputs, new T[batch * m + 1], new T[n * m], batch, GradientWrite<T>.Accumulate));
        Should.Throw<ArgumentException>(() => Kernels.DenseBackward<T>(new T[n * m], deltas, inputs, new T[batch * m], new T[n * m - 1], batch, GradientWrite<T>.Accumulate));
    }

    [Theory]
    [InlineData(1, 37, 101)] // one sample in double: an eight-vector strip (with AVX-512), two-vector strips, a scalar tail
    [InlineData(1, 9, 200)]  // ... the same in float
    [InlineData(2, 64, 64)]
    [InlineData(2, 5, 300)]
    public void WeightGradientsOfOneOrTwoSamplesAreThePanelsBitForBit(int batch, int n, int m)
    {
        Compare<double>(batch, n, m);
        Compare<float>(batch, n, m);
    }

    /// <summary>
    /// One or two samples take a row-by-row path; a third sample with δ = 0 adds exact zeros, so the
    /// packed panels must then give the same bits (written and stepped as TrainStep does).
    /// </summary>
    private static void Compare<T>(int batch, int n, int m) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(n * m + batch);
        T[] Draw(int length) => Enumerable.Range(0, length).Select(_ => T.CreateChecked(random.NextDouble() * 2 - 1)).ToArray();
        var deltas = Draw(batch * n);
        var inputs = Draw(batch * m);
        var w = Draw(n * m);
        var write = GradientWrite<T>.TrainStep(T.CreateTruncating(0.1));
        var (small, smallW) = (new T[n * m], (T[])w.Clone());
        Kernels.WeightGradient<T>(deltas, inputs, small, smallW, batch, write);
        var (packed, packedW) = (new T[n * m], (T[])w.Clone());
        Kernels.WeightGradient<T>([.. deltas, .. new T[n]], [.. inputs, .. Draw(m)], packed, packedW, batch + 1, write);
        small.ShouldBe(packed, $"dW, {typeof(T).Name}");
        smallW.ShouldBe(packedW, $"W after the step, {typeof(T).Name}");
    }

    private static void Check<T>(int batch, int n, int m, int seed, double tolerance) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(seed);
        T[] Draw(int length) => Enumerable.Range(0, length).Select(_ => T.CreateChecked(random.NextDouble() * 2 - 1)).ToArray();
        var w = Draw(n * m);          // n × m
        var h = Draw(batch * m);      // batch × m
        var dz = Draw(batch * n);     // batch × n
        var z = Draw(batch * n);
        var dh = Draw(batch * m);
        var dw = Draw(n * m);

        // Z += H·Wᵀ
        var expected = z.Select(double.CreateChecked).ToArray();
        for (int s = 0; s < batch; s++)
            for (int r = 0; r < n; r++)
                for (int c = 0; c < m; c++)
                    expected[s * n + r] += double.CreateChecked(w[r * m + c]) * double.CreateChecked(h[s * m + c]);
        Kernels.MultiplyAdd<T>(w, h, z, batch);
        Close(z, expected, m, tolerance);

        // dH += dZ·W
        expected = dh.Select(double.CreateChecked).ToArray();
        for (int s = 0; s < batch; s++)
            for (int c = 0; c < m; c++)
                for (int r = 0; r < n; r++)
                    expected[s * m + c] += double.CreateChecked(w[r * m + c]) * double.CreateChecked(dz[s * n + r]);
        Kernels.TransposeMultiplyAdd<T>(w, dz, dh, batch);
        Close(dh, expected, n, tolerance);

        // dW += dZᵀ·H
        expected = dw.Select(double.CreateChecked).ToArray();
        for (int r = 0; r < n; r++)
            for (int c = 0; c < m; c++)
                for (int s = 0; s < batch; s++)
                    expected[r * m + c] += double.CreateChecked(dz[s * n + r]) * double.CreateChecked(h[s * m + c]);
        Kernels.OuterAdd<T>(dz, h, dw, batch);
        Close(dw, expected, batch, tolerance);

        // The gradient kernels: dW (+)= dZᵀ·H and db (+)= Σ rows of dZ, then p ← p − rate·g when stepping.
        CheckGradientKernels(batch, n, m, Draw, tolerance);
    }

    private static void CheckGradientKernels<T>(int batch, int n, int m, Func<int, T[]> draw, double tolerance) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var h = draw(batch * m);
        var dz = draw(batch * n);
        var product = new double[n * m];
        for (int r = 0; r < n; r++)
            for (int c = 0; c < m; c++)
                for (int s = 0; s < batch; s++)
                    product[r * m + c] += double.CreateChecked(dz[s * n + r]) * double.CreateChecked(h[s * m + c]);
        var rowSums = new double[n];
        for (int s = 0; s < batch; s++)
            for (int r = 0; r < n; r++)
                rowSums[r] += double.CreateChecked(dz[s * n + r]);

        T rate = T.CreateChecked(0.25);
        foreach (var write in new[] { GradientWrite<T>.Accumulate, GradientWrite<T>.TrainStep(rate), GradientWrite<T>.TrainStep(rate).ForChunk(first: false, last: true), GradientWrite<T>.TrainStep(rate).ForChunk(first: true, last: false) })
        {
            var (dw, w) = (draw(n * m), draw(n * m));
            var (db, b) = (draw(n), draw(n));
            var (dw0, w0, db0, b0) = (dw.ToArray(), w.ToArray(), db.ToArray(), b.ToArray());
            Kernels.WeightGradient<T>(dz, h, dw, w, batch, write);
            Kernels.BiasGradient<T>(dz, db, b, write);

            var expected = product.Select((v, i) => write.Overwrite ? v : v + double.CreateChecked(dw0[i])).ToArray();
            Close(dw, expected, batch, tolerance);
            Close(db, rowSums.Select((v, i) => write.Overwrite ? v : v + double.CreateChecked(db0[i])).ToArray(), batch, tolerance);

            // The step is exactly Optimizers.Sgd on the stored gradient, or nothing.
            if (write.Step)
            {
                Optimizers.Sgd<T>(w0, dw, rate);
                Optimizers.Sgd<T>(b0, db, rate);
            }

            w.ShouldBe(w0, $"weights after {(write.Step ? "the step" : "no step")}");
            b.ShouldBe(b0);
        }
    }

    private static void Close<T>(T[] actual, double[] expected, int terms, double tolerance) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < expected.Length; i++)
        {
            double.CreateChecked(actual[i]).ShouldBe(expected[i], tolerance * (terms + Math.Abs(expected[i])), $"element {i}");
        }
    }

    [Fact]
    public void KernelsRejectShapesThatDoNotFit()
    {
        // 2 rows of 2 inputs into 2 rows of 3 outputs needs a 3×2 matrix.
        Should.Throw<ArgumentException>(() => Kernels.MultiplyAdd<double>(new double[5], new double[4], new double[6], batch: 2))
            .Message.ShouldStartWith("Expected a matrix of 3×2 = 6 elements; it has 5.");
        Should.Throw<ArgumentException>(() => Kernels.OuterAdd<double>(new double[5], new double[4], new double[6], batch: 2))
            .Message.ShouldStartWith("Expected spans of 2 whole row(s) each; the lengths are 5 and 4.");
        Should.Throw<ArgumentException>(() => Kernels.TransposeMultiplyAdd<double>(new double[6], new double[6], new double[4], batch: 0))
            .Message.ShouldStartWith("Expected spans of 0 whole row(s) each");
        Should.Throw<ArgumentException>(() => Kernels.WeightGradient<double>(new double[6], new double[4], new double[6], new double[5], 2, GradientWrite<double>.Accumulate))
            .Message.ShouldStartWith("Expected spans of equal length; the lengths are 6 and 5.");
        Should.Throw<ArgumentException>(() => Kernels.BiasGradient<double>(new double[6], new double[3], new double[2], GradientWrite<double>.Accumulate))
            .Message.ShouldStartWith("Expected spans of equal length; the lengths are 3 and 2.");
    }

    [Fact]
    public void RowHelpersBroadcastAndSum()
    {
        var rows = new double[6];
        Kernels.BroadcastRows<double>([1, 2, 3], rows);
        rows.ShouldBe([1, 2, 3, 1, 2, 3]);
        var sum = new double[] { 10, 20, 30 };
        Kernels.AddRows<double>(rows, sum);
        sum.ShouldBe([12, 24, 36]);
        Should.Throw<ArgumentException>(() => Kernels.AddRows<double>(new double[5], sum)).Message.ShouldStartWith("Expected a whole number of rows of 3 elements; the length is 5.");
    }
}

/// <summary>One sample's forward product on long rows, with the kernels' switches as they ship.</summary>
[Collection(nameof(ParallelismTests))] // other tests switch the vector widths in force
public sealed class OneSampleRowTests
{
    [Theory]
    [InlineData(37, 128)] // double: sixteen whole vectors, four per accumulator
    [InlineData(9, 136)]  // ... one vector past the groups of four
    [InlineData(13, 152)] // ... three past them
    [InlineData(8, 131)]  // ... sixteen vectors and three elements one at a time
    [InlineData(21, 300)] // ... both (37 vectors, 4 elements); in float 18 vectors and 12 elements
    [InlineData(6, 272)]  // float: seventeen vectors; double 34
    [InlineData(3, 304)]  // float: nineteen vectors; double 38
    [InlineData(5, 784)]  // the Fashion MLP's first layer
    public void OneSampleLongRowsAreDottedInTheDocumentedOrder(int n, int m)
    {
        LongRows<double>(n, m);
        LongRows<float>(n, m);
    }

    /// <summary>
    /// With AVX-512, one sample's rows of 1 KiB or more are dotted one at a time, in exactly
    /// the order Gemm.DotRow512 documents (a scalar replay with fused multiply-adds gives the same
    /// bits): vector v into accumulator v mod 4, (c0 + c1) + (c2 + c3), lanes folded by halves, the
    /// elements past the last whole vector one product at a time, then added to Z.
    /// </summary>
    private static void LongRows<T>(int n, int m) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int width = 64 / System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        if (m < 16 * width)
        {
            return; // rows under 1 KiB (here in float): eight at a time
        }

        if (!System.Runtime.Intrinsics.X86.Avx512F.IsSupported)
        {
            AnyCpu.ExpectedVectorBits.ShouldNotBeNull("every machine of this project's has AVX-512; an any-CPU run turns it off");
            return;
        }

        var random = new Random(n * 1000 + m);
        T[] Draw(int length) => Enumerable.Range(0, length).Select(_ => T.CreateChecked(random.NextDouble() * 2 - 1)).ToArray();
        var (w, h, z) = (Draw(n * m), Draw(m), Draw(n));
        var computed = KernelSwitches.Run(() => { }, () =>
        {
            var product = (T[])z.Clone();
            Kernels.MultiplyAdd<T>(w, h, product, 1);
            return product;
        });
        for (int r = 0; r < n; r++)
        {
            var accumulators = new T[4, width];
            int vectors = m / width;
            for (int v = 0; v < vectors; v++)
            {
                for (int lane = 0; lane < width; lane++)
                {
                    int j = v * width + lane;
                    accumulators[v % 4, lane] = T.FusedMultiplyAdd(h[j], w[r * m + j], accumulators[v % 4, lane]);
                }
            }

            var lanes = Enumerable.Range(0, width).Select(l => (accumulators[0, l] + accumulators[1, l]) + (accumulators[2, l] + accumulators[3, l])).ToArray();
            while (lanes.Length > 1)
            {
                int half = lanes.Length / 2;
                lanes = Enumerable.Range(0, half).Select(l => lanes[l] + lanes[l + half]).ToArray();
            }

            T sum = lanes[0];
            for (int j = vectors * width; j < m; j++)
            {
                sum += h[j] * w[r * m + j];
            }

            computed[r].ShouldBe(z[r] + sum, $"Z[{r}], {typeof(T).Name}, {m} inputs");
        }

        // Eight rows at a time (Gemm.StreamWholeRows off, as `-- wholerows` compares) add the same products in another order.
        var blocks = KernelSwitches.Run(() => Gemm.StreamWholeRows = false, () =>
        {
            var product = (T[])z.Clone();
            Kernels.MultiplyAdd<T>(w, h, product, 1);
            return product;
        });
        double tolerance = typeof(T) == typeof(float) ? 1e-5 : 1e-13;
        for (int r = 0; r < n; r++)
        {
            double.CreateTruncating(blocks[r]).ShouldBe(double.CreateTruncating(computed[r]), tolerance * m, $"Z[{r}] eight rows at a time, {typeof(T).Name}");
        }
    }
}
