using System.Numerics;

namespace SkipNet.Tests;

/// <summary>
/// TrainStep writes the gradients and steps inside the backward pass (looped networks) or after it
/// (unrolled ones); either way it must give exactly what ZeroGradients, Backward and Step give,
/// bit for bit, for one chunk of samples and for several.
/// </summary>
public class TrainStepTests
{
    public static TheoryData<int> Batches() => new([1, 3, 32, 33, 70]);

    [Theory]
    [MemberData(nameof(Batches))]
    public void TrainStepIsZeroBackwardStep(int batch)
    {
        Check<double, WideNet>(batch);
        Check<float, WideNetSingle>(batch);
        Check<double, MixedLooped>(batch);
        Check<double, MixedUnrolled>(batch);
        Check<double, SeedNetLooped>(batch);
        Check<float, SeedNetSingle>(batch);
    }

    private static void Check<T, TNet>(int batch)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TNet : IResidualNetwork<T>, new()
    {
        var fused = new TNet();
        var separate = new TNet();
        var random = new Random(batch);
        var x = Enumerable.Range(0, batch * fused.InputSize).Select(_ => T.CreateChecked(random.NextDouble() * 2 - 1)).ToArray();
        var y = Enumerable.Range(0, batch * fused.OutputSize).Select(_ => T.CreateChecked(random.NextDouble() * 2 - 1)).ToArray();
        T rate = T.CreateChecked(0.05);

        // Stale gradients from an earlier Backward must not leak into TrainStep's.
        fused.Backward(x, y);
        separate.Backward(x, y);
        for (int step = 0; step < 3; step++)
        {
            T a = fused.TrainStep(x, y, rate);
            separate.ZeroGradients();
            T b = separate.Backward(x, y);
            separate.Step(rate);

            string what = $"{typeof(TNet).Name}, batch {batch}, step {step}";
            a.ShouldBe(b, what);
            fused.Gradients.ToArray().ShouldBe(separate.Gradients.ToArray(), what);
            fused.Parameters.ToArray().ShouldBe(separate.Parameters.ToArray(), what);
        }
    }
}
