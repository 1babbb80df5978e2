using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CsCheck;

namespace SkipNet.Tests;

/// <summary>
/// The kernels write only inside the spans they are given: every span here is the middle of a
/// larger array whose guard bands hold a marker value, on random shapes that reach every blocked,
/// packed, refilled and streamed path (one sample's strips, the eight-row panels, dW stepped), at
/// offsets off and on cache lines. A write past a span's end would corrupt a neighbour on the heap.
/// </summary>
public class GuardBandTests
{
    private static readonly Gen<(int Batch, int N, int M, int Offset, int Seed)> Shapes =
        Gen.Select(Gen.Int[1, 40], Gen.Int[1, 300], Gen.Int[1, 300], Gen.Int[0, 16], Gen.Int);

    [Fact]
    public void KernelsWriteNothingOutsideTheirSpansInDouble() => Shapes.Sample(s => Check<double>(s.Batch, s.N, s.M, s.Offset, s.Seed), iter: 150);

    [Fact]
    public void KernelsWriteNothingOutsideTheirSpansInFloat() => Shapes.Sample(s => Check<float>(s.Batch, s.N, s.M, s.Offset, s.Seed), iter: 150);

    [Theory]
    [InlineData(1, 130, 128)] // one sample, rows of 1 KiB in double: the sixteen-vector strip and the row dots
    [InlineData(1, 70, 256)]
    [InlineData(1, 9, 300)]
    [InlineData(2, 130, 96)]
    [InlineData(32, 512, 512)] // refilled panels, streamed dW, two threads
    [InlineData(13, 300, 200)]
    public void KernelsWriteNothingOutsideTheirSpansOnLargeShapes(int batch, int n, int m)
    {
        Check<double>(batch, n, m, offset: 0, seed: n + m);
        Check<float>(batch, n, m, offset: 3, seed: n * m);
    }

    /// <summary>
    /// The kernels' own scratch arrays (packed panels, a product's second half, a convolution's
    /// columns) are not the caller's spans, so the tests above cannot see past them. In a Debug build
    /// (the tests') each carries a marker band after its elements, checked when it is handed out again:
    /// a write past its end fails that call rather than corrupting the heap.
    /// </summary>
    [Fact]
    public void AScratchArrayWrittenPastItsEndFailsItsNextUse()
    {
        ScratchArrays.BandBytes.ShouldBeGreaterThan(0, "the tests run a Debug build of the runtime");
        double[]? buffer = null;
        var first = ScratchArrays.Grow(ref buffer, 100);
        ScratchArrays.Grow(ref buffer, 60).ShouldBeSameAs(first, "reused while large enough");
        ScratchArrays.Grow(ref buffer, 100).ShouldBeSameAs(first);

        // Element 100: one past the elements it was grown for.
        Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(first), 100) = 1.0;
        Should.Throw<InvalidOperationException>(() => ScratchArrays.Grow(ref buffer, 10))
            .Message.ShouldBe("A kernel wrote past the end of its scratch Double[100]: byte 0 of the marker band after it was changed.");

        // Grown, a new array starts with an intact band.
        float[]? floats = null;
        var grown = ScratchArrays.Grow(ref floats, 5);
        ScratchArrays.Grow(ref floats, 5000).ShouldNotBeSameAs(grown);
        floats.AsSpan(0, 5000).Fill(1f);
        ScratchArrays.Grow(ref floats, 5000).Length.ShouldBeGreaterThanOrEqualTo(5000);
    }

    private static void Check<T>(int batch, int n, int m, int offset, int seed) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(seed);
        Banded<T> Draw(int length)
        {
            var banded = new Banded<T>(length, offset);
            for (int i = 0; i < length; i++)
            {
                banded.Span[i] = T.CreateChecked(random.NextDouble() * 2 - 1);
            }

            return banded;
        }

        var (w, b, h, z) = (Draw(n * m), Draw(n), Draw(batch * m), Draw(batch * n));
        var (dz, dh, dw, db) = (Draw(batch * n), Draw(batch * m), Draw(n * m), Draw(n));
        var step = GradientWrite<T>.TrainStep(T.CreateChecked(0.01));

        Kernels.DenseForward<T>(w.Span, b.Span, h.Span, z.Span, batch);
        Kernels.MultiplyAdd<T>(w.Span, h.Span, z.Span, batch);
        Kernels.TransposeMultiplyAdd<T>(w.Span, dz.Span, dh.Span, batch);
        Kernels.OuterAdd<T>(dz.Span, h.Span, dw.Span, batch);
        foreach (var write in new[] { GradientWrite<T>.Accumulate, GradientWrite<T>.OverwriteOnly, step })
        {
            Kernels.WeightGradient<T>(dz.Span, h.Span, dw.Span, w.Span, batch, write);
            Kernels.DenseBackward<T>(w.Span, dz.Span, h.Span, dh.Span, dw.Span, batch, write);
            Kernels.BiasGradient<T>(dz.Span, db.Span, b.Span, write);
        }

        foreach (var (name, banded) in new[] { ("W", w), ("b", b), ("H", h), ("Z", z), ("dZ", dz), ("dH", dh), ("dW", dw), ("db", db) })
        {
            banded.ShouldBeIntact($"{name} of {typeof(T).Name}, batch {batch}, {n}×{m}, offset {offset}");
        }
    }
}
