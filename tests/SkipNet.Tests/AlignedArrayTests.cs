using System.Runtime.CompilerServices;

namespace SkipNet.Tests;

/// <summary>AlignedArray: the first element on a cache line, for every length and element type; the networks keep their state in it.</summary>
public class AlignedArrayTests
{
    private static unsafe long Offset<T>(ReadOnlySpan<T> span) where T : unmanaged
    {
        fixed (T* first = span)
        {
            return (long)first % AlignedArray<T>.Alignment;
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(17)]
    [InlineData(1000)]
    public void TheFirstElementSitsOnACacheLineAndEveryElementStartsAtZero(int length)
    {
        for (int i = 0; i < 20; i++) // many allocations, at many addresses: a plain array starts on any 8-byte boundary
        {
            var doubles = new AlignedArray<double>(length);
            var floats = new AlignedArray<float>(length);
            doubles.Length.ShouldBe(length);
            floats.Span.Length.ShouldBe(length);
            if (length > 0)
            {
                Offset<double>(doubles.Span).ShouldBe(0);
                Offset<float>(floats.Span).ShouldBe(0);
            }

            doubles.Span.ToArray().ShouldAllBe(v => v == 0);
        }
    }

    [Fact]
    public void SliceAndCloneSeeTheSameElementsAndACloneIsIndependent()
    {
        var a = new AlignedArray<double>(10);
        for (int i = 0; i < 10; i++)
        {
            a.Span[i] = i * 1.5;
        }

        a.Slice(3, 4).ToArray().ShouldBe([4.5, 6, 7.5, 9]);
        var copy = a.Clone();
        copy.Span.ToArray().ShouldBe(a.Span.ToArray());
        Offset<double>(copy.Span).ShouldBe(0);
        copy.Span[0] = -1;
        a.Span[0].ShouldBe(0);
    }

    [Fact]
    public void ARangeOutsideTheArrayOrANegativeLengthThrows()
    {
        var a = new AlignedArray<float>(8);
        Should.Throw<ArgumentOutOfRangeException>(() => a.Slice(5, 4)); // within the allocation's slack, but past Length
        Should.Throw<ArgumentOutOfRangeException>(() => a.Slice(-1, 2));
        Should.Throw<ArgumentOutOfRangeException>(() => a.Slice(2, -1));
        Should.Throw<ArgumentOutOfRangeException>(() => a.Slice(int.MaxValue, 2)); // no overflow past the check
        Should.Throw<ArgumentOutOfRangeException>(() => new AlignedArray<double>(-1));
        a.Slice(8, 0).Length.ShouldBe(0);
        default(AlignedArray<double>).Span.Length.ShouldBe(0);
        default(AlignedArray<double>).Slice(0, 0).Length.ShouldBe(0);
        Should.Throw<ArgumentOutOfRangeException>(() => default(AlignedArray<double>).Slice(0, 1));
    }

    /// <summary>
    /// A network's parameters, gradients and workspaces live in these, written by kernels through refs
    /// and pointers; in a Debug build (the tests') a write just outside the elements fails the next
    /// Span or Slice, before it can reach the object the heap put next to them.
    /// </summary>
    [Fact]
    public void AWriteOutsideTheElementsFailsTheNextSpanOrSlice()
    {
        AlignedArray<double>.BandBytes.ShouldBeGreaterThan(0, "the tests run a Debug build of the runtime");
        var after = new AlignedArray<double>(10);
        after.Slice(2, 8).Fill(1.0);
        Unsafe.Add(ref after.Span[0], 10) = 1.0; // one past the last element
        Should.Throw<InvalidOperationException>(() => after.Slice(0, 1)).Message
            .ShouldBe("Something wrote outside an aligned Double[10]: byte 0 of the band after them was changed.");

        var before = new AlignedArray<float>(3);
        Unsafe.Add(ref before.Span[0], -1) = 1f; // one before the first
        Should.Throw<InvalidOperationException>(() => before.Span.Length).Message.ShouldStartWith("Something wrote outside an aligned Single[3]: byte ");
    }

    [Fact]
    public void ANetworksParametersAndGradientsStartOnACacheLineAndSoDoTheirCopies()
    {
        for (int seed = 0; seed < 10; seed++)
        {
            var looped = new WideNet(seed);
            var unrolled = new MixedUnrolled(seed);
            var single = new WideNetSingle(seed);
            var record = new RecordNet("r") with { };
            foreach (long offset in new[]
            {
                Offset<double>(looped.Parameters), Offset(looped.Gradients), Offset<double>(looped.Clone().Parameters), Offset(looped.Clone().Gradients),
                Offset<double>(unrolled.Parameters), Offset(unrolled.Gradients), Offset<float>(single.Parameters), Offset(single.Gradients),
                Offset<double>(record.Parameters), Offset(record.Gradients),
            })
            {
                offset.ShouldBe(0);
            }
        }
    }
}
