namespace SkipNet.Tests;

/// <summary>
/// Image layers in generated networks: Conv2D, the pools, BatchNorm2d, Dense flattening an image,
/// and skips between images, against PyTorch's formulas written out as loops and against finite
/// differences; their shapes in the architecture and in weights files.
/// </summary>
public class ImageLayerTests
{
    [Fact]
    public void GradientsOfTheConvolutionalNetworksMatchFiniteDifferences()
    {
        var random = new Random(5);
        var tiny = new TinyResNet(3);
        var x = Enumerable.Range(0, 4 * 64).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        var y = new double[4 * 3];
        for (int s = 0; s < 4; s++)
        {
            y[s * 3 + random.Next(3)] = 1;
        }

        var report = GradientCheck.Run(tiny, x, y);
        report.Passed.ShouldBeTrue(report.ToString());

        var conv = new ConvNet(4);
        var xc = Enumerable.Range(0, 3 * 72).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        var yc = Enumerable.Range(0, 3 * 2).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        var convReport = GradientCheck.Run(conv, xc, yc);
        convReport.Passed.ShouldBeTrue(convReport.ToString());
    }
}
