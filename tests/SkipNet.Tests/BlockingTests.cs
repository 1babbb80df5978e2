namespace SkipNet.Tests;

/// <summary>
/// The products' block sizes come from the core's caches (Blocking.For(CpuCaches)); they decide only
/// which part of a product is in cache when, never a result's bits.
/// </summary>
[Collection(nameof(ParallelismTests))] // sets the block sizes in force: alone, as ParallelismTests runs
public sealed class BlockingTests
{
    [Theory]
    [InlineData(48, 1024, 256, 128, 1024)] // Zen 5 (this project's benchmark machine), Ice Lake and Sapphire Rapids' L1
    [InlineData(32, 1024, 128, 64, 1024)]  // Zen 4, Skylake-SP
    [InlineData(32, 2048, 128, 64, 2048)]  // a 2 MiB L2 (Sapphire Rapids)
    [InlineData(32, 512, 128, 64, 512)]    // Zen 2/3, and the default where nothing reports the caches
    [InlineData(64, 256, 256, 128, 256)]   // Apple's big cores report far more L1 than this; a small L2
    [InlineData(1, 1, 32, 16, 128)]        // nonsense reported: the smallest blocks
    [InlineData(4096, 1 << 20, 512, 256, 4096)] // huge caches: the stack buffers and the scratch stay bounded
    public void BlockSizesFollowTheCaches(int l1KiB, int l2KiB, int rows256, int rows512, int columns)
    {
        Blocking.For(new CpuCaches(l1KiB * 1024, l2KiB * 1024, "test")).ShouldBe(new Blocking(rows256, rows512, columns));
    }

    [Fact]
    public void TheDefaultIsTheSmallestCpu()
    {
        Blocking.For(CpuCaches.Default).ShouldBe(new Blocking(128, 64, 512));
    }

    [Fact]
    public void ThisMachinesCachesAreRead()
    {
        var caches = CpuCaches.Current;
        caches.L1Data.ShouldBeInRange(8 * 1024, 1024 * 1024, caches.ToString());
        caches.L2.ShouldBeGreaterThan(caches.L1Data, caches.ToString());
        Blocking.Current.ShouldBe(Blocking.For(caches));
    }

    [Theory]
    [InlineData("48K", 48 * 1024)]
    [InlineData("1024K", 1 << 20)]
    [InlineData("2M", 2 << 20)]
    [InlineData("512", 512)]
    public void SysfsSizesAreRead(string text, int bytes) => CpuCaches.ParseSize(text).ShouldBe(bytes);

    [Theory]
    [InlineData(40, 300, 700)] // several blocks of k (700 rows) and, at 128 columns, of dW's columns
    [InlineData(9, 130, 300)]  // eight- and four-row panels and a row left over; 512- and 256-bit panels
    [InlineData(128, 256, 784)] // the Fashion MLP's first layer at batch 128
    public void EveryProductIsTheSameWhateverTheBlockSizes(int batch, int outputs, int inputs)
    {
        Products<double>(batch, outputs, inputs);
        Products<float>(batch, outputs, inputs);
    }

    [Theory]
    [InlineData(32, 512, 512)] // aligned rows: the stepped gradient streamed past the caches
    [InlineData(9, 130, 300)]  // rows off the cache lines: stored as usual
    [InlineData(100, 48, 40)]  // two blocks of k: only the last one steps
    public void AStreamedGradientIsTheSameAsAStoredOne(int batch, int outputs, int inputs)
    {
        foreach (bool wide in new[] { true, false })
        {
            var layer = new DenseProducts<float>(batch, outputs, inputs, seed: batch + outputs);
            layer.Run(() => (Gemm.StreamSteppedGradients, Gemm.UseVector512) = (false, wide)).ShouldBeSameAs(layer.Run(() => (Gemm.StreamSteppedGradients, Gemm.UseVector512) = (true, wide)), $"streamed, {(wide ? 512 : 256)}-bit");
            var doubles = new DenseProducts<double>(batch, outputs, inputs, seed: batch + outputs);
            doubles.Run(() => (Gemm.StreamSteppedGradients, Gemm.UseVector512) = (false, wide)).ShouldBeSameAs(doubles.Run(() => (Gemm.StreamSteppedGradients, Gemm.UseVector512) = (true, wide)), $"streamed, {(wide ? 512 : 256)}-bit");
        }
    }

    [Theory]
    [InlineData(32, 512, 512)] // mlp-512's layers: four blocks of k (512-bit), three-vector panels refilled, two-vector ones packed
    [InlineData(13, 300, 200)] // a four-row panel and a row before the eight-row one; a last, shorter block of k packed anew
    [InlineData(20, 130, 96)]  // two eight-row panels (one prefetches, one refills) after a four-row one
    [InlineData(8, 40, 600)]   // one eight-row panel: it refills, nothing prefetches; many panels a block
    [InlineData(48, 256, 100)] // six eight-row panels: the later ones prefetch the rows' last line again
    [InlineData(7, 300, 600)]  // no eight-row panel: every panel packed at once
    public void RefilledPanelsGiveThePackedPanelsBits(int batch, int outputs, int inputs)
    {
        foreach (var (wide, narrow) in new[] { (true, true), (false, true), (false, false) })
        {
            string how = $"refilled, {(wide ? "512" : narrow ? "256" : "128")}-bit";
            var doubles = new DenseProducts<double>(batch, outputs, inputs, seed: batch + inputs);
            doubles.Run(() => (Gemm.RefillPanels, Gemm.UseVector512, Gemm.UseVector256) = (true, wide, narrow))
                .ShouldBeSameAs(doubles.Run(() => (Gemm.RefillPanels, Gemm.UseVector512, Gemm.UseVector256) = (false, wide, narrow)), how);
            var floats = new DenseProducts<float>(batch, outputs, inputs, seed: batch + inputs);
            floats.Run(() => (Gemm.RefillPanels, Gemm.UseVector512, Gemm.UseVector256) = (true, wide, narrow))
                .ShouldBeSameAs(floats.Run(() => (Gemm.RefillPanels, Gemm.UseVector512, Gemm.UseVector256) = (false, wide, narrow)), how);
        }
    }

    [Theory]
    [InlineData(32, 512, 512)] // mlp-512's layers: one four-vector panel in double (two-vector ones in float)
    [InlineData(64, 130, 300)] // two panels in double, one in float; two rows of W past the last four; a shorter last block of k
    [InlineData(48, 40, 200)]  // in double a four-vector panel and a two-vector one in the same product
    [InlineData(100, 9, 40)]   // 96 samples in panels, four in dot blocks; one row of W past two groups of four
    public void FourVectorPanelsGiveTheTwoVectorPanelsBits(int batch, int outputs, int inputs)
    {
        var doubles = new DenseProducts<double>(batch, outputs, inputs, seed: batch + outputs);
        doubles.Run(() => Gemm.FourVectorPanels = true).ShouldBeSameAs(doubles.Run(() => Gemm.FourVectorPanels = false), "four-vector panels");
        var floats = new DenseProducts<float>(batch, outputs, inputs, seed: batch + outputs);
        floats.Run(() => Gemm.FourVectorPanels = true).ShouldBeSameAs(floats.Run(() => Gemm.FourVectorPanels = false), "four-vector panels");
    }

    private static void Products<T>(int batch, int outputs, int inputs)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var layer = new DenseProducts<T>(batch, outputs, inputs, seed: batch * 1000 + outputs);
        var derived = layer.Run(() => { });
        foreach (var sizes in new[] { new Blocking(32, 16, 128), new Blocking(64, 32, 256), new Blocking(512, 256, 4096), Blocking.For(CpuCaches.Default) })
        {
            layer.Run(() => Blocking.Current = sizes).ShouldBeSameAs(derived, $"at {sizes}");
        }
    }
}

/// <summary>
/// The kernels' process-wide switches a test may change (thread count, block sizes, vector widths, one sample's whole-row streams, tiled transposes, streamed gradients, refilled panels, four-vector panels):
/// one thread and the test's settings for the body, everything put back after it.
/// </summary>
internal static class KernelSwitches
{
    public static TResult Run<TResult>(Action settings, Func<TResult> body)
    {
        var saved = (Parallelism.MaxDegreeOfParallelism, Blocking.Current, Gemm.UseVector512, Gemm.UseVector256, Gemm.StreamWholeRows, Transpose.UseVectors, Gemm.StreamSteppedGradients, Gemm.RefillPanels, Gemm.FourVectorPanels);
        try
        {
            Parallelism.MaxDegreeOfParallelism = 1;
            settings();
            return body();
        }
        finally
        {
            (Parallelism.MaxDegreeOfParallelism, Blocking.Current, Gemm.UseVector512, Gemm.UseVector256, Gemm.StreamWholeRows, Transpose.UseVectors, Gemm.StreamSteppedGradients, Gemm.RefillPanels, Gemm.FourVectorPanels) = saved;
        }
    }
}

/// <summary>
/// A dense layer's three products — the forward product, dH, and dW written with an SGD step —
/// on one thread from the same random operands each run, with what a test switches (block sizes,
/// vector widths) set for the run and put back after it.
/// </summary>
internal sealed class DenseProducts<T>
    where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
{
    private readonly int _batch;
    private readonly T[] _w, _h, _dz, _z, _dh, _dw;

    public DenseProducts(int batch, int outputs, int inputs, int seed)
    {
        var random = new Random(seed);
        T[] Draw(int n) => Enumerable.Range(0, n).Select(_ => T.CreateTruncating(random.NextDouble() * 2 - 1)).ToArray();
        _batch = batch;
        (_w, _h, _dz, _z, _dh, _dw) = (Draw(outputs * inputs), Draw(batch * inputs), Draw(batch * outputs), Draw(batch * outputs), Draw(batch * inputs), Draw(outputs * inputs));
    }

    public Results Run(Action settings) => KernelSwitches.Run(settings, () =>
    {
        var (z, dh) = ((T[])_z.Clone(), (T[])_dh.Clone());
        Kernels.MultiplyAdd<T>(_w, _h, z, _batch);
        Kernels.TransposeMultiplyAdd<T>(_w, _dz, dh, _batch);

        // dW and W on cache lines, as a network holds them (where the stepped gradient may stream).
        var (dw, w) = (new AlignedArray<T>(_dw.Length), new AlignedArray<T>(_w.Length));
        _dw.CopyTo(dw.Span);
        _w.CopyTo(w.Span);
        Kernels.WeightGradient<T>(_dz, _h, dw.Span, w.Span, _batch, GradientWrite<T>.TrainStep(T.CreateTruncating(0.1)));
        return new Results(z, dh, dw.Span.ToArray(), w.Span.ToArray());
    });

    public sealed record Results(T[] Z, T[] DH, T[] DW, T[] W)
    {
        /// <summary>The same bits as <paramref name="expected"/>'s, product by product; Z only when <paramref name="withZ"/>.</summary>
        public void ShouldBeSameAs(Results expected, string how, bool withZ = true)
        {
            if (withZ)
            {
                Z.ShouldBe(expected.Z, $"Z {how}, {typeof(T).Name}");
            }

            DH.ShouldBe(expected.DH, $"dH {how}, {typeof(T).Name}");
            DW.ShouldBe(expected.DW, $"dW {how}, {typeof(T).Name}");
            W.ShouldBe(expected.W, $"W after the step {how}, {typeof(T).Name}");
        }
    }
}

/// <summary>
/// The packed products on 128-bit panels (ARM64's NEON, x86 without AVX2) are the same chains of
/// fused multiply-adds as on 256- and 512-bit ones: on a CPU with FMA, the same bits.
/// </summary>
[Collection(nameof(ParallelismTests))] // switches the vector widths in force
public sealed class NarrowPanelTests
{
    [Theory]
    // Inputs in whole 512-bit two-vector panels, so that no width leaves a tail to the scalar path,
    // which rounds each multiply-add on its own.
    [InlineData(32, 37, 320)]  // forward in packed panels on every width (32 samples fill 512-bit ones in float and double)
    [InlineData(64, 130, 96)]  // three- and two-vector panels
    [InlineData(9, 300, 608)]  // dH over several k-blocks; eight- and four-row panels and a row left over
    [InlineData(1, 37, 320)]   // one sample: the wider vectors stream W in strips, the 128-bit panels pack it; the same chains
    [InlineData(2, 130, 96)]
    public void The128BitPanelsGiveTheWiderPanelsBits(int batch, int outputs, int inputs)
    {
        if (!System.Runtime.Intrinsics.X86.Fma.IsSupported && !System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported)
        {
            AnyCpu.ExpectedVectorBits.ShouldNotBeNull("every machine of this project's has FMA; without it 128-bit panels round apart from the scalar path");
            return;
        }

        Products<double>(batch, outputs, inputs);
        Products<float>(batch, outputs, inputs);
    }

    private static void Products<T>(int batch, int outputs, int inputs)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var layer = new DenseProducts<T>(batch, outputs, inputs, seed: batch + outputs);
        var widest = layer.Run(() => { });
        var narrow = layer.Run(() => (Gemm.UseVector512, Gemm.UseVector256) = (false, false));

        // Z too where both forward products run every sample in packed panels: with AVX-512 and whole
        // 512-bit panels of samples (without it the wider run's forward product takes dot blocks, in another order).
        narrow.ShouldBeSameAs(widest, "on 128-bit panels", withZ: batch % 32 == 0 && System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated);
    }
}

/// <summary>The forward product of a few samples on 128-bit dots: the products' values, and one sample's the same in any batch.</summary>
[Collection(nameof(ParallelismTests))] // switches the vector widths in force
public sealed class NarrowDotTests
{
    [Theory]
    [InlineData(37, 300)]
    [InlineData(130, 9)]
    [InlineData(4, 2)] // k shorter than a vector: scalar sums
    public void FewSamplesRunOn128BitDots(int outputs, int inputs)
    {
        Forward<double>(outputs, inputs, 1e-12);
        Forward<float>(outputs, inputs, 1e-4);
    }

    private static void Forward<T>(int outputs, int inputs, double tolerance)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var random = new Random(outputs + inputs);
        T[] Draw(int n) => Enumerable.Range(0, n).Select(_ => T.CreateTruncating(random.NextDouble() * 2 - 1)).ToArray();
        var (w, h) = (Draw(outputs * inputs), Draw(7 * inputs));
        T[] Run(int batch) => KernelSwitches.Run(() => (Gemm.UseVector512, Gemm.UseVector256) = (false, false), () =>
        {
            var z = new T[batch * outputs];
            Kernels.MultiplyAdd<T>(w, h.AsSpan(0, batch * inputs), z, batch);
            return z;
        });

        // Seven samples: a four-sample block, a two-sample one and one alone.
        var seven = Run(7);
        for (int s = 0; s < 7; s++)
        {
            for (int u = 0; u < outputs; u++)
            {
                double expected = 0;
                for (int i = 0; i < inputs; i++)
                {
                    expected += double.CreateTruncating(h[s * inputs + i]) * double.CreateTruncating(w[u * inputs + i]);
                }

                double.CreateTruncating(seven[s * outputs + u]).ShouldBe(expected, tolerance * inputs, $"Z[{s}, {u}], {typeof(T).Name}");
            }
        }

        foreach (int batch in new[] { 1, 2, 3 })
        {
            Run(batch).ShouldBe(seven.AsSpan(0, batch * outputs).ToArray(), $"the first {batch} sample(s) alone, {typeof(T).Name}");
        }
    }
}
