using System.Numerics;
using Shouldly;
using Xunit;

namespace SkipNet.Tests;

/// <summary>
/// docs/seed-exercise.md, both columns, exactly: in double (1e-12) and float (1e-6), through the
/// unrolled and the looped code.
/// </summary>
public class SeedExerciseTests
{
    /// <summary>One column of the exercise's table.</summary>
    public sealed record Column(
        double Target, double LossBefore, double DLossDYhat,
        double[] Gradients, double DLossDH0, double DLossDH1,
        double[] ParametersAfter, double YhatAfter, double LossAfter);

    // Layout (conventions.md): h0.W, h0.b, h1.W, h1.b, y.W, y.b, h0->y.S = w0, b0, w1, b1, w2, b2, ws.
    public static readonly Column FinalLine = new(
        Target: -3, LossBefore: 3.375, DLossDYhat: 1,
        Gradients: [0.75, 0.75, 0.25, 0.5, 0.25, 1, 0.5], DLossDH0: 0.75, DLossDH1: 0.5,
        ParametersAfter: [-0.25, -0.75, 0.25, -0.5, 0.25, -1, 0], YhatAfter: -1, LossAfter: 2.0);

    public static readonly Column FirstLoss = new(
        Target: 3.75, LossBefore: 3.375, DLossDYhat: -1,
        Gradients: [-0.75, -0.75, -0.25, -0.5, -0.25, -1, -0.5], DLossDH0: -0.75, DLossDH1: -0.5,
        ParametersAfter: [1.25, 0.75, 0.75, 0.5, 0.75, 1, 1.0], YhatAfter: 4.5, LossAfter: 0.75);

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var net in new[] { nameof(SeedNet), nameof(SeedNetLooped), nameof(SeedNetSingle), nameof(SeedNetSingleLooped) })
        {
            data.Add(net, nameof(FinalLine));
            data.Add(net, nameof(FirstLoss));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void OneStepReproducesTheTable(string network, string column)
    {
        var expected = column == nameof(FinalLine) ? FinalLine : FirstLoss;
        switch (network)
        {
            case nameof(SeedNet): Check(new SeedNet(), expected, 1e-12); break;
            case nameof(SeedNetLooped): Check(new SeedNetLooped(), expected, 1e-12); break;
            case nameof(SeedNetSingle): Check(new SeedNetSingle(), expected, 1e-6); break;
            default: Check(new SeedNetSingleLooped(), expected, 1e-6); break;
        }
    }

    private static void Check<T>(IResidualNetwork<T> net, Column expected, double tolerance)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T Of(double v) => T.CreateChecked(v);
        double D(T v) => double.CreateChecked(v);

        var half = Of(0.5);
        net.Parameters.Clear();
        // w0 = w1 = w2 = ws = 0.5, biases 0, found by block name so the layout is checked too.
        foreach (var name in new[] { "h0.W", "h1.W", "y.W", "h0->y.S" })
        {
            net.Blocks.Single(b => b.Name == name).Of(net.Parameters).Fill(half);
        }

        T[] x = [T.One], y = [Of(expected.Target)], yhat = [T.Zero], dx = [T.NaN];
        net.Forward(x, yhat);
        D(yhat[0]).ShouldBe(0.375, tolerance);

        // dL/dx = dL/dz0·w0 = dL/dh0·[z0 ≥ 0]·w0, before the step; nothing is learned.
        D(net.InputGradient(x, y, dx)).ShouldBe(expected.LossBefore, tolerance);
        D(dx[0]).ShouldBe(expected.DLossDH0 * 0.5, tolerance);
        net.Gradients.ToArray().Select(D).ShouldAllBe(g => g == 0);

        D(net.TrainStep(x, y, T.One)).ShouldBe(expected.LossBefore, tolerance);
        for (int i = 0; i < expected.Gradients.Length; i++)
        {
            D(net.Gradients[i]).ShouldBe(expected.Gradients[i], tolerance, $"gradient of {net.Blocks[i].Name}");
            D(net.Parameters[i]).ShouldBe(expected.ParametersAfter[i], tolerance, $"{net.Blocks[i].Name} after the step");
        }

        // dL/dŷ = dL/db2, dL/dh1 = dL/dŷ·w2, dL/dh0 = dL/db1·w1 + dL/dŷ·ws (both with the weights before the step).
        D(net.Gradients[5]).ShouldBe(expected.DLossDYhat, tolerance);
        (D(net.Gradients[5]) * 0.5).ShouldBe(expected.DLossDH1, tolerance);
        (D(net.Gradients[3]) * 0.5 + D(net.Gradients[5]) * 0.5).ShouldBe(expected.DLossDH0, tolerance);

        net.Forward(x, yhat);
        D(yhat[0]).ShouldBe(expected.YhatAfter, tolerance);
        D(net.Evaluate(x, y)).ShouldBe(expected.LossAfter, tolerance);
    }

    [Fact]
    public void GeneratedAccessorsAreViewsOfTheParameterVector()
    {
        var net = new SeedNet();
        net.H0Weights[0] = 0.5;
        net.H0ToYSkip[0] = -2;
        net.Parameters[0].ShouldBe(0.5);
        net.Parameters[6].ShouldBe(-2);
        SeedNet.ParameterCount.ShouldBe(7);
        SeedNet.Blocks.Select(b => b.Name).ShouldBe(["h0.W", "h0.b", "h1.W", "h1.b", "y.W", "y.b", "h0->y.S"]);
        SeedNet.Blocks.Select(b => b.Offset).ShouldBe([0, 1, 2, 3, 4, 5, 6]);
    }
}

public class DiagramTests
{
    [Fact]
    public void TheSeedNetDiagramShowsLayersWidthsActivationsAndTheSkip()
    {
        SeedNet.Diagram.Split('\n').ShouldBe(
        [
            "flowchart LR",
            "    X([\"x: 1\"])",
            "    L0[\"h0: 1, ReLU\"]",
            "    L1[\"h1: 1, ReLU\"]",
            "    L2[\"y: 1, Identity\"]",
            "    X --> L0",
            "    L0 --> L1",
            "    L1 --> L2",
            "    L0 -. weighted .-> L2",
        ]);
    }

    [Fact]
    public void TheReadmeShowsTheGeneratedSeedDiagram() =>
        File.ReadAllText(Path.Combine(Repository.Root, "README.md")).ShouldContain("```mermaid\n" + SeedNet.Diagram + "\n```");
}
