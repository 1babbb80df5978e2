using ScottPlot;
using SkipNet;
using SkipNet.CompilerServices;

namespace SkipConnections;

/// <summary>The two figures: gradient norm per layer, and loss per step, both on a log₁₀ scale.</summary>
public static class Plots
{
    public static void GradientNorms(IReadOnlyList<Result> results, string title, string path)
    {
        var plot = new Plot();
        foreach (var r in results)
        {
            // x: hidden layer index (0 = h0); y: log10 ‖dL/dh‖.
            var xs = Enumerable.Range(0, r.GradientNorms.Length).Select(i => (double)i).ToArray();
            var ys = r.GradientNorms.Select(Log10).ToArray();
            Style(plot.Add.Scatter(xs, ys), r.Variant);
        }

        Finish(plot, title, "hidden layer (0 = first, next to the input)", "log₁₀ ‖dL/dh‖ at initialization", path, Alignment.LowerRight);
    }

    public static void Losses(IReadOnlyList<Result> results, string title, string path)
    {
        var plot = new Plot();
        foreach (var r in results)
        {
            // A diverged run (NaN or ∞) is drawn up to its last finite loss.
            var finite = r.Losses.TakeWhile(l => double.IsFinite(l.Loss)).ToArray();
            if (finite.Length > 0)
            {
                Style(plot.Add.Scatter(finite.Select(l => (double)l.Step).ToArray(), finite.Select(l => Log10(l.Loss)).ToArray()), r.Variant);
            }
        }

        Finish(plot, title, "SGD step", "log₁₀ training loss (MSE)", path, Alignment.LowerLeft);
    }

    private static double Log10(double v) => Math.Log10(Math.Max(v, 1e-300));

    /// <summary>Colour by activation and variant, line pattern by depth.</summary>
    private static void Style(ScottPlot.Plottables.Scatter line, Variant v)
    {
        line.LegendText = v.Name;
        line.Color = (v.Activation, v.Skips) switch
        {
            (Activation.Tanh, false) => Colors.SteelBlue,
            (Activation.Tanh, true) => Colors.DarkOrange,
            (_, false) => Colors.SeaGreen,
            _ => Colors.Crimson,
        };
        line.LinePattern = v.Depth switch { 8 => LinePattern.Dotted, 16 => LinePattern.Dashed, _ => LinePattern.Solid };
        line.LineWidth = 2;
        line.MarkerSize = 0;
    }

    private static void Finish(Plot plot, string title, string xLabel, string yLabel, string path, Alignment legend)
    {
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        plot.ShowLegend(legend);
        plot.SavePng(path, 1000, 650);
    }
}
