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

    [Fact]
    public void TheArchitectureCarriesTheShapesAndTheTensorsArePyTorchs()
    {
        var architecture = TinyResNet.Architecture;
        architecture.InputShape.ShouldBe([1, 8, 8]);
        architecture.ShapeOf("x").ShouldBe([1, 8, 8]);
        architecture.ShapeOf("c0").ShouldBe([4, 8, 8]);
        architecture.ShapeOf("p1").ShouldBe([4, 4, 4]);
        architecture.ShapeOf("p2").ShouldBe([6, 2, 2]);
        architecture.ShapeOf("gap").ShouldBeNull("global average pooling gives a vector");
        architecture.Layers.Single(l => l.Name == "c2").ShouldSatisfyAllConditions(
            l => l.Kind.ShouldBe(LayerKind.Conv2D), l => l.KernelSize.ShouldBe(3), l => l.Stride.ShouldBe(1), l => l.Padding.ShouldBe(1), l => l.Width.ShouldBe(6 * 4 * 4));
        long[] Shape(string block) => architecture.TensorShape(architecture.Block(block));
        Shape("c0.W").ShouldBe([4L, 1, 3, 3]);
        Shape("c2.W").ShouldBe([6L, 4, 3, 3]);
        Shape("c2.b").ShouldBe([6L]);
        Shape("bn0.W").ShouldBe([4L], "one γ per channel (nn.BatchNorm2d)");
        Shape("bn0->c2.S").ShouldBe([6L, 4, 1, 1], "a 1×1 convolution, 4 → 6 channels");
        Shape("y.W").ShouldBe([3L, 6]);
        architecture.Buffers.Select(b => (b.Name, b.Rows)).ShouldBe([("bn0.running_mean", 4), ("bn0.running_var", 4)]);
        ConvNet.Architecture.TensorShape(ConvNet.Architecture.Block("x->c0.S")).ShouldBe([3L, 2, 1, 1], "x (2×6×6) onto c0 (3×3×3): stride 2");
        ConvNet.Architecture.TensorShape(ConvNet.Architecture.Block("y.W")).ShouldBe([2L, 12], "Dense reads c1's 3×2×2 image flattened");
    }

    [Fact]
    public void WeightsAndBuffersRoundTripAndAnotherShapeIsRefused()
    {
        var random = new Random(3);
        var net = new TinyResNet(4);
        var x = Enumerable.Range(0, 5 * TinyResNet.InputSize).Select(_ => random.NextDouble()).ToArray();
        net.TrainStep(x, new double[5 * TinyResNet.OutputSize], 0.1);
        string path = Path.Combine(Path.GetTempPath(), $"tiny-resnet-{Guid.NewGuid():N}.safetensors");
        try
        {
            net.SaveWeights(path, WeightNames.PyTorch);
            var loaded = new TinyResNet(9);
            loaded.LoadWeights(path);
            loaded.Parameters.ToArray().ShouldBe(net.Parameters.ToArray());
            loaded.Buffers.ToArray().ShouldBe(net.Buffers.ToArray());
            loaded.BatchesTracked.ToArray().ShouldBe([1L]);
            var a = new double[5 * 3];
            var b = new double[5 * 3];
            net.Forward(x, a);
            loaded.Forward(x, b);
            b.ShouldBe(a);
            Should.Throw<InvalidDataException>(() => new ConvNet(1).LoadWeights(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ThePyTorchModuleHasTheImageModules()
    {
        string module = TinyResNet.Architecture.ToPyTorch("TinyResNet");
        module.ShouldContain("x = x.reshape(-1, 1, 8, 8)");
        module.ShouldContain("self.c0 = nn.Conv2d(1, 4, 3, stride=1, padding=1)");
        module.ShouldContain("self.bn0 = nn.BatchNorm2d(4, eps=1e-05, momentum=0.1)");
        module.ShouldContain("self.p1 = nn.MaxPool2d(2, stride=2)");
        module.ShouldContain("self.p2 = nn.AvgPool2d(2, stride=2)");
        module.ShouldContain("self.gap = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())");
        module.ShouldContain("self.bn0_to_c2 = nn.Conv2d(4, 6, 1, stride=2, bias=False)");
        string conv = ConvNet.Architecture.ToPyTorch("ConvNet");
        conv.ShouldContain("self.y(torch.flatten(c1, 1))");
        conv.ShouldContain("self.x_to_c0 = nn.Conv2d(2, 3, 1, stride=2, bias=False)");
    }
}
