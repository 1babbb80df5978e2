using ScottPlot;
using SkipNet;

namespace FashionMnist;

/// <summary>The sample's figures: loss and accuracy per epoch, the test set's confusion matrix, and saliency maps.</summary>
public static class Plots
{
    public static void Curves(TrainingHistory history, string path)
    {
        var plot = new Plot();
        double[] epochs = history.Epochs.Select(e => (double)e.Epoch).ToArray();
        var training = plot.Add.Scatter(epochs, history.Epochs.Select(e => e.TrainingLoss).ToArray());
        training.LegendText = "training loss";
        var test = plot.Add.Scatter(epochs, history.Epochs.Select(e => e.ValidationLoss ?? double.NaN).ToArray());
        test.LegendText = "test loss";
        var accuracy = plot.Add.Scatter(epochs, history.Epochs.Select(e => e.ValidationAccuracy ?? double.NaN).ToArray());
        accuracy.LegendText = "test accuracy (right axis)";
        accuracy.Axes.YAxis = plot.Axes.Right;
        plot.Axes.Right.Label.Text = "accuracy";
        plot.Title($"Fashion-MNIST, {Defaults.Title} (SkipNet)");
        plot.XLabel("epoch");
        plot.YLabel("cross-entropy");
        plot.ShowLegend(Alignment.UpperCenter);
        plot.SavePng(path, 900, 520);
    }

    public static void Confusion(int[,] counts, string[] classes, string path)
    {
        int n = counts.GetLength(0);
        var shares = new double[n, n];
        for (int r = 0; r < n; r++)
        {
            double total = Enumerable.Range(0, n).Sum(c => counts[r, c]);
            for (int c = 0; c < n; c++)
            {
                shares[r, c] = counts[r, c] / Math.Max(1, total);
            }
        }

        var plot = new Plot();
        var heatmap = plot.Add.Heatmap(shares);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        plot.Add.ColorBar(heatmap);
        for (int r = 0; r < n; r++)
        {
            for (int c = 0; c < n; c++)
            {
                var text = plot.Add.Text(counts[r, c].ToString(), c, n - 1 - r);
                text.LabelFontColor = shares[r, c] > 0.5 ? Colors.Black : Colors.White;
                text.LabelAlignment = Alignment.MiddleCenter;
            }
        }

        double[] ticks = Enumerable.Range(0, n).Select(i => (double)i).ToArray();
        plot.Axes.Bottom.SetTicks(ticks, classes);
        plot.Axes.Left.SetTicks(ticks, classes.Reverse().ToArray());
        plot.Axes.Bottom.TickLabelStyle.Rotation = 45;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
        plot.Axes.Bottom.MinimumSize = 110;
        plot.Title("Test set: true class (rows) against predicted class (columns)");
        plot.SavePng(path, 900, 820);
    }

    /// <summary>
    /// Images (top row, grey) over two rows of saliency maps: |dL/dx| per pixel, and its mean over noisy
    /// copies of the image (SmoothGrad), each map scaled to its own largest value, with
    /// <paramref name="titles"/> above the columns.
    /// </summary>
    public static void Saliency(float[][] images, float[][] gradients, float[][] smoothed, string[] titles, int side, string path)
    {
        var plot = new Plot();
        double[,] Grid(float[] values, Func<float, double> f)
        {
            var grid = new double[side, side];
            for (int r = 0; r < side; r++)
            {
                for (int c = 0; c < side; c++)
                {
                    grid[r, c] = f(values[r * side + c]);
                }
            }

            return grid;
        }

        for (int i = 0; i < images.Length; i++)
        {
            double left = i * 1.1;
            var image = plot.Add.Heatmap(Grid(images[i], v => v));
            image.Colormap = new ScottPlot.Colormaps.Grayscale();
            image.Position = new CoordinateRect(left, left + 1, 2.2, 3.2);
            var saliency = plot.Add.Heatmap(Grid(gradients[i], v => Math.Abs(v)));
            saliency.Colormap = new ScottPlot.Colormaps.Inferno();
            saliency.Position = new CoordinateRect(left, left + 1, 1.1, 2.1);
            var smooth = plot.Add.Heatmap(Grid(smoothed[i], v => v));
            smooth.Colormap = new ScottPlot.Colormaps.Inferno();
            smooth.Position = new CoordinateRect(left, left + 1, 0, 1);
            var title = plot.Add.Text(titles[i], left + 0.5, 3.25);
            title.LabelAlignment = Alignment.LowerCenter;
            title.LabelFontSize = 11;
        }

        plot.Axes.Frameless();
        plot.HideGrid();
        plot.Axes.SetLimits(-0.05, images.Length * 1.1, -0.05, 3.55);
        plot.Title("Fashion-MNIST test images; |dL/dx| from InputGradient; its mean over 32 noisy copies (SmoothGrad)");
        plot.SavePng(path, 150 * images.Length, 510);
    }
}
