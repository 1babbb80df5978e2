using Xunit.Abstractions;

namespace SkipNet.Tests;

/// <summary>
/// A sample's outputs alone and inside a batch: identical for unrolled networks; for looped ones the
/// kernels sum in another order at one sample than at several, within the bound docs/conventions.md gives.
/// </summary>
public class BatchSizeTests(ITestOutputHelper output)
{
    private static readonly int[] BatchSizes = [2, 3, 5, 8, 13, 32, 64];

    /// <summary>The largest |alone − in a batch| / max(1, |alone|) over every output of 64 samples and every batch size, and how many differ.</summary>
    private static (double Worst, int Differing, int Outputs) Compare<T>(IResidualNetwork<T> net, int seed)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        const int samples = 64;
        var random = new Random(seed);
        var x = Enumerable.Range(0, samples * net.InputSize).Select(_ => T.CreateTruncating(random.NextDouble())).ToArray();
        var alone = new T[samples * net.OutputSize];
        for (int s = 0; s < samples; s++)
        {
            net.Forward(x.AsSpan(s * net.InputSize, net.InputSize), alone.AsSpan(s * net.OutputSize, net.OutputSize));
        }

        double worst = 0;
        int differing = 0, outputs = 0;
        foreach (int batch in BatchSizes)
        {
            var together = new T[samples * net.OutputSize];
            for (int start = 0; start < samples; start += batch)
            {
                int rows = Math.Min(batch, samples - start);
                net.Forward(x.AsSpan(start * net.InputSize, rows * net.InputSize), together.AsSpan(start * net.OutputSize, rows * net.OutputSize));
            }

            for (int i = 0; i < alone.Length; i++)
            {
                double d = Math.Abs(double.CreateTruncating(alone[i] - together[i])) / Math.Max(1, Math.Abs(double.CreateTruncating(alone[i])));
                worst = Math.Max(worst, d);
                differing += d > 0 ? 1 : 0;
                outputs++;
            }
        }

        return (worst, differing, outputs);
    }

    [Fact]
    public void UnrolledNetworksGiveTheSameBitsAtEveryBatchSize()
    {
        Compare(new MixedUnrolled(1), 1).Worst.ShouldBe(0);
        Compare(new ClassifierSingleUnrolled(1), 1).Worst.ShouldBe(0);
    }

    [Fact]
    public void LoopedNetworksAgreeAcrossBatchSizesWithinTheDocumentedBound()
    {
        var (single, differing, outputs) = Compare(new FashionLike(1), 2);
        output.WriteLine($"FashionLike (float): worst {single:E2}, {differing} of {outputs} outputs differ");
        single.ShouldBeLessThanOrEqualTo(1e-5, "docs/conventions.md, Precision");

        var (wide, wideDiffering, wideOutputs) = Compare(new WideNet(1), 3);
        output.WriteLine($"WideNet (double): worst {wide:E2}, {wideDiffering} of {wideOutputs} outputs differ");
        wide.ShouldBeLessThanOrEqualTo(1e-14, "docs/conventions.md, Precision");
    }
}
