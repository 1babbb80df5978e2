using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using System.Text;

namespace SkipNet;

/// <summary>
/// Checks a network's <see cref="IResidualNetwork{T}.Backward"/> against central finite differences
/// of <see cref="IResidualNetwork{T}.Evaluate"/> (of <c>Backward</c>'s own loss, with the same dropout
/// masks and batch statistics, for a network with a Dropout or BatchNorm layer), parameter by parameter, per <see href="https://github.com/skipnet/skipnet/blob/main/docs/conventions.md">docs/conventions.md</see>.
/// One line in a test: <c>GradientCheck.Run(net, x, y).Passed.ShouldBeTrue()</c>.
/// </summary>
/// <remarks>
/// The step for a parameter p is h·max(1, |p|), with h = 1e-6 for double networks and 1e-3 for
/// float ones, and the difference is divided by the step actually taken (p ± h rounded to the
/// element type). An entry passes when |analytic − numeric| ≤ a + r·|numeric| + 4ε·(|L₊| + |L₋|)/step:
/// a = 1e-6 and r = 1e-4 in double, a = 1e-3 and r = 1e-2 in float, and the last term the rounding
/// noise of the two losses L₊ and L₋ (ε the element type's machine epsilon), which dominates once
/// the loss is large. That term is honest about a limit: in float, with losses near 10⁸ (targets
/// of 10⁴), it is as large as the gradients themselves and only gross errors can show; scale the
/// data, or check a double twin of the network. Choose x and y away from kinks (no ReLU pre-activation and no L1 residual
/// near 0), where the derivative jumps. Parameters are left exactly as they were; the gradients are
/// left holding dL/dp for (x, y), as after <c>ZeroGradients(); Backward(x, y)</c>, and
/// <see cref="IResidualNetwork{T}.RandomState"/>, the buffers and the batch counts as after that one call. The check allocates;
/// it is for tests and teaching, not for a training loop.
/// </remarks>
public static class GradientCheck
{
    /// <summary>Runs the check on the samples x (k·InputSize) and targets y (k·OutputSize).</summary>
    /// <exception cref="ArgumentException">x or y does not fit the network.</exception>
    public static GradientCheckReport Run<T>(IResidualNetwork<T> network, ReadOnlySpan<T> x, ReadOnlySpan<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        bool single = typeof(T) == typeof(float);
        double step = single ? 1e-3 : 1e-6, absolute = single ? 1e-3 : 1e-6, relative = single ? 1e-2 : 1e-4;
        double epsilon = double.CreateChecked(T.Epsilon == T.Zero ? T.Zero : BitIncrement(T.One) - T.One);

        network.Evaluate(x, y); // validates x and y before anything changes

        // With dropout or batch normalization, a training call's loss is not Evaluate's: the differences
        // are then taken of the training calls' own loss, each from the state the analytic pass started
        // from (the same masks; the running statistics and batch counts set back).
        bool trainMode = network.Architecture.Layers.Any(l => (l.Kind == LayerKind.Dropout && l.P > 0) || l.Kind == LayerKind.BatchNorm);
        ulong masks = network.RandomState;
        T[] buffers = network.Buffers.ToArray();
        long[] counters = network.BatchesTracked.ToArray();
        network.ZeroGradients();
        network.Backward(x, y);
        var analytic = network.Gradients.ToArray();
        ulong after = network.RandomState;
        T[] buffersAfter = network.Buffers.ToArray();
        long[] countersAfter = network.BatchesTracked.ToArray();
        T Loss(ReadOnlySpan<T> x, ReadOnlySpan<T> y)
        {
            if (!trainMode)
            {
                return network.Evaluate(x, y);
            }

            network.RandomState = masks;
            buffers.CopyTo(network.Buffers);
            counters.CopyTo(network.BatchesTracked);
            return network.Backward(x, y);
        }

        // Non-finite data or parameters make every difference meaningless: the check fails, naming the first.
        var nonFinite = Where(x, "x") ?? Where(y, "y") ?? NonFinite.Find(network.Parameters, network.Blocks, "parameter")?.ToString();

        var parameters = network.Parameters;
        var blocks = new List<BlockError>();
        foreach (var block in network.Blocks)
        {
            double worstAbsolute = 0, worstRelative = 0, worstRatio = -1;
            int worstIndex = 0;
            double worstAnalytic = 0, worstNumeric = 0;
            for (int i = block.Offset; i < block.Offset + block.Length; i++)
            {
                T saved = parameters[i];
                double p = double.CreateChecked(saved), h = step * Math.Max(1, Math.Abs(p));
                T up = T.CreateChecked(p + h), down = T.CreateChecked(p - h);
                parameters[i] = up;
                double plus = double.CreateChecked(Loss(x, y));
                parameters[i] = down;
                double minus = double.CreateChecked(Loss(x, y));
                parameters[i] = saved;

                // The step actually taken (p ± h rounded to T), and the rounding noise of the two
                // losses: each is good to about NoiseUlps·ε of its size, divided by the step.
                double taken = double.CreateChecked(up) - double.CreateChecked(down);
                double numeric = (plus - minus) / taken;
                double noise = NoiseUlps * epsilon * (Math.Abs(plus) + Math.Abs(minus)) / taken;
                double a = double.CreateChecked(analytic[i]);
                double error = Math.Abs(a - numeric);
                double scale = Math.Max(Math.Abs(a), Math.Abs(numeric));
                worstAbsolute = Math.Max(worstAbsolute, error);
                worstRelative = Math.Max(worstRelative, scale == 0 ? 0 : error / scale);

                // The worst entry is the one furthest outside (or least inside) its tolerance; a NaN or
                // an infinity anywhere (the gradient, either loss) is outside every tolerance.
                double ratio = double.IsFinite(a) && double.IsFinite(plus) && double.IsFinite(minus) && double.IsFinite(numeric)
                    ? error / (absolute + relative * Math.Abs(numeric) + noise)
                    : double.PositiveInfinity;
                if (ratio > worstRatio)
                {
                    (worstRatio, worstIndex, worstAnalytic, worstNumeric) = (ratio, i - block.Offset, a, numeric);
                }
            }

            var worst = new BlockError(block.Name, worstAbsolute, worstRelative, worstIndex, worstAnalytic, worstNumeric, Passed: worstRatio <= 1);
            blocks.Add(worst);
        }

        if (trainMode)
        {
            // The gradients the training calls added are written over with the analytic pass's.
            network.RandomState = masks;
            network.ZeroGradients();
            network.Backward(x, y);
            network.RandomState = after;
            buffersAfter.CopyTo(network.Buffers);
            countersAfter.CopyTo(network.BatchesTracked);
        }

        return new GradientCheckReport(blocks) { NonFinite = nonFinite };
    }

    private static string? Where<T>(ReadOnlySpan<T> values, string name) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int index = SkipNet.NonFinite.IndexOf(values);
        return index < 0 ? null : $"{name}[{index}] is {values[index]}";
    }

    /// <summary>
    /// How many units in the last place each evaluated loss may be off by, from rounding in the
    /// forward pass and the sum. One was enough for every float network tried with targets up to
    /// 10⁴ (losses to 10⁸); four leaves a margin, and a gradient wrong by half still fails.
    /// </summary>
    private const double NoiseUlps = 4;

    private static T BitIncrement<T>(T value) where T : IFloatingPointIeee754<T> => T.BitIncrement(value);
}

/// <summary>The error of one parameter block: its worst entry, and whether every entry passed.</summary>
/// <param name="Block">"h0.W", "h0.b", "h0->y.S".</param>
/// <param name="WorstAbsolute">The largest |analytic − numeric| in the block.</param>
/// <param name="WorstRelative">The largest |analytic − numeric| / max(|analytic|, |numeric|).</param>
/// <param name="WorstIndex">Index within the block (row-major) of the entry furthest outside, or least inside, its tolerance.</param>
/// <param name="Analytic">That entry's gradient from Backward.</param>
/// <param name="Numeric">That entry's central difference.</param>
/// <param name="Passed">Every entry within the tolerance.</param>
public sealed record BlockError(string Block, double WorstAbsolute, double WorstRelative, int WorstIndex, double Analytic, double Numeric, bool Passed);

/// <summary>The result of <see cref="GradientCheck.Run{T}"/>: one line per parameter block.</summary>
public sealed record GradientCheckReport(IReadOnlyList<BlockError> Blocks)
{
    /// <summary>The first NaN or infinity among the samples, the targets and the parameters ("y[3] is NaN", "parameter h1.W[2, 0] is ∞ (index 17)"), or null. Any makes the check fail.</summary>
    public string? NonFinite { get; init; }

    /// <summary>Every entry of every block within the tolerance, every value finite.</summary>
    public bool Passed => NonFinite is null && Blocks.All(b => b.Passed);

    /// <summary>A table: block, worst absolute and relative error, and the worst entry.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        if (NonFinite is not null)
        {
            text.AppendLine($"FAILED: {NonFinite}; the check needs finite samples, targets and parameters.");
        }

        text.AppendLine($"{"block",-16} {"worst |a − n|",14} {"worst relative",14}  worst entry");
        foreach (var b in Blocks)
        {
            text.AppendLine($"{b.Block,-16} {b.WorstAbsolute,14:E2} {b.WorstRelative,14:E2}  [{b.WorstIndex}] analytic {b.Analytic:G6}, numeric {b.Numeric:G6}{(b.Passed ? "" : "  FAILED")}");
        }

        return text.ToString();
    }
}
