using System.Reflection;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using SkipNet.Generator.Tests;
using SkipNet.Onnx;
using Xunit.Abstractions;

namespace SkipNet.Onnx.Tests;

/// <summary>
/// Every one of the 200 random declarations, exported in double and in float and run in ONNX
/// Runtime at batch 1 and 7, gives Forward's outputs: within 1e-12 in double, 1e-5 in float
/// (relative to max(1, |y|)).
/// </summary>
public class OnnxExportTests(OnnxExportTests.Networks networks, ITestOutputHelper output) : IClassFixture<OnnxExportTests.Networks>
{
    public const int Count = 200;

    public sealed class Networks
    {
        public NetSpec[] Specs { get; } = Enumerable.Range(0, Count).Select(NetSpec.Draw).ToArray();

        /// <summary>Networks with LayerNorm and Dropout layers (LayerKindTests' kind), as classes "Layered{id}_...".</summary>
        public NetSpec[] Layered { get; } = Enumerable.Range(0, LayeredCount).Select(NetSpec.DrawLayered).ToArray();

        /// <summary>Networks on small images with every image layer (LayerKindTests' image kind), as classes "Image{id}_...".</summary>
        public NetSpec[] Images { get; } = Enumerable.Range(ImageFirstId, ImageCount).Select(NetSpec.DrawImage).ToArray();

        public Assembly Assembly { get; }

        public Networks()
        {
            var source = new System.Text.StringBuilder("using SkipNet;\nnamespace Random;\n");
            foreach (var spec in Specs)
            {
                source.AppendLine(spec.Declare(CodeStyle.Looped, Precision.Double));
                source.AppendLine(spec.Declare(CodeStyle.Looped, Precision.Single));
            }

            foreach (var spec in Layered)
            {
                source.AppendLine(spec.Declare(CodeStyle.Looped, Precision.Double).Replace("class Net", "class Layered"));
                source.AppendLine(spec.Declare(CodeStyle.Looped, Precision.Single).Replace("class Net", "class Layered"));
            }

            foreach (var spec in Images)
            {
                source.AppendLine(spec.Declare(CodeStyle.Looped, Precision.Double).Replace("class Net", "class Image"));
                source.AppendLine(spec.Declare(CodeStyle.Looped, Precision.Single).Replace("class Net", "class Image"));
            }

            foreach (var precision in new[] { "Double", "Single" })
            {
                // Normalizations over an image without a convolution: ONNX Runtime runs these in double too.
                source.AppendLine($$"""
                    [Residual(InputShape = new[] { 3, 4, 5 }, Loss = Loss.MSE, Precision = Precision.{{precision}})]
                    [BatchNorm("bn", Activation.Tanh, Epsilon = 0.01)] [LayerNorm("ln", Activation.GELU, Epsilon = 0.1)] [Dropout("d", 0.2)]
                    [Dense("y", 3)] [Skip("x", "ln")] [Skip("bn", "y", SkipKind.Weighted)]
                    public partial class ImageNorms{{precision}};
                    """);
            }

            source.AppendLine(Sweep("GeluSweep", "GELU", "Double"));
            source.AppendLine(Sweep("SoftplusSweep", "Softplus", "Double"));
            source.AppendLine(Sweep("SiluSweep", "SiLU", "Double"));
            source.AppendLine(Sweep("LeakySweep", "LeakyReLU, Alpha = 0.1", "Double"));
            source.AppendLine(Sweep("GeluSweepSingle", "GELU", "Single"));
            source.AppendLine(Sweep("SoftplusSweepSingle", "Softplus", "Single"));
            Assembly = Harness.GenerateAndLoad([source.ToString()], acceptedWarnings: ["SKIP022"]);
        }

        private static string Sweep(string name, string activation, string precision) =>
            $"[Residual(Inputs = 1, Loss = Loss.MSE, Precision = Precision.{precision})] [Dense(\"h\", 1, Activation.{activation})] [Dense(\"y\", 1)] public partial class {name};";

        public IResidualNetwork<T> Create<T>(string className, int seed)
            where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
            => (IResidualNetwork<T>)Activator.CreateInstance(Assembly.GetType("Random." + className, throwOnError: true)!, seed)!;
    }

    public static TheoryData<int> Ids() => new(Enumerable.Range(0, Count));

    public const int LayeredCount = 40;

    public const int ImageCount = 40;

    /// <summary>The first image network's id (LayerKindTests draws the same ones).</summary>
    public const int ImageFirstId = 80;

    public static TheoryData<int> ImageIds() => new(Enumerable.Range(0, ImageCount));

    [Fact]
    public void NormalizationsOverAnImageRunInDoubleAndFloat()
    {
        // BatchNorm2d's per-channel statistics broadcast over H and W, LayerNorm over C, H and W (nn.LayerNorm([C, H, W])),
        // and a matrix skip from an image to a vector: in ONNX Runtime in both precisions.
        IResidualNetwork<T> Trained<T>(string name)
            where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
            => WithRunningStatistics(networks.Create<T>(name, 3), 3);

        foreach (int opset in new[] { OnnxExport.Opset, OnnxExport.MinimumOpset })
        {
            Compare(Trained<double>("ImageNormsDouble"), 3, 1e-12, opset);
            Compare(Trained<float>("ImageNormsSingle"), 3, 1e-5, opset);
        }

        var graph = global::Onnx.ModelProto.Parser.ParseFrom(Trained<float>("ImageNormsSingle").ToOnnxBytes()).Graph;
        graph.Initializer.Single(t => t.Name == "ln.weight").Dims.ShouldBe([3L, 4, 5]);
        graph.Initializer.Single(t => t.Name == "bn.weight").Dims.ShouldBe([3L]);
    }

    [Theory]
    [MemberData(nameof(ImageIds))]
    public void ImageLayersExportAsTheirOperators(int index)
    {
        // Conv (also each weighted skip between images, 1×1 with its stride), MaxPool, AveragePool and
        // GlobalAveragePool on [batch, C, H, W]; BatchNormalization per channel; the input reshaped to an
        // image and each image flattened before a Gemm.
        var spec = networks.Images[index];
        string Name(Precision precision) => spec.ClassName(CodeStyle.Looped, precision).Replace("Net", "Image");
        IResidualNetwork<T> Trained<T>(Precision precision)
            where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
            => WithRunningStatistics(networks.Create<T>(Name(precision), spec.Id), spec.Id);

        // ONNX Runtime's CPU provider runs Conv and the pools in float only: the double model (valid ONNX, the
        // same graph in double) is held to the float one's operators and to the network's own weights.
        foreach (int opset in new[] { OnnxExport.Opset, OnnxExport.MinimumOpset })
        {
            double worstSingle = Compare(Trained<float>(Precision.Single), spec.Id, 1e-5, opset);
            output.WriteLine($"image net {spec.Id}, opset {opset}: worst scaled difference {worstSingle:E2} in float");
        }

        var nodes = global::Onnx.ModelProto.Parser.ParseFrom(networks.Create<float>(Name(Precision.Single), spec.Id).ToOnnxBytes()).Graph.Node.Select(n => n.OpType).ToList();
        var doubleNet = Trained<double>(Precision.Double);
        var doubleGraph = global::Onnx.ModelProto.Parser.ParseFrom(doubleNet.ToOnnxBytes()).Graph;
        var doubleNodes = doubleGraph.Node.Select(n => n.OpType).ToList();
        foreach (var op in new[] { "Conv", "MaxPool", "AveragePool", "GlobalAveragePool", "Flatten", "Gemm" })
        {
            doubleNodes.Count(o => o == op).ShouldBe(nodes.Count(o => o == op), op);
        }

        foreach (var block in doubleNet.Blocks)
        {
            var tensor = doubleGraph.Initializer.Single(t => t.Name == block.PyTorchName);
            tensor.Dims.ShouldBe(doubleNet.Architecture.TensorShape(block));
            tensor.DataType.ShouldBe((int)global::Onnx.TensorProto.Types.DataType.Double);
            var values = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, double>(tensor.RawData.Span).ToArray();
            values.ShouldBe(block.Of<double>(doubleNet.Parameters).ToArray(), block.Name);
        }

        int convolutionSkips = spec.Skips.Count(e => e.Kind == SkipKind.Weighted && spec.ShapeOf(e.From) is not null && spec.ShapeOf(e.To) is not null);
        nodes.Count(op => op == "Conv").ShouldBe(spec.Layers.Count(l => l.Kind == LayerKind.Conv2D) + convolutionSkips);
        nodes.Count(op => op == "MaxPool").ShouldBe(spec.Layers.Count(l => l.Kind == LayerKind.MaxPool2D));
        nodes.Count(op => op == "AveragePool").ShouldBe(spec.Layers.Count(l => l.Kind == LayerKind.AvgPool2D));
        nodes.Count(op => op == "GlobalAveragePool").ShouldBe(spec.Layers.Count(l => l.Kind == LayerKind.GlobalAvgPool2D));
        nodes.Count(op => op == "BatchNormalization").ShouldBe(spec.Layers.Count(l => l.Kind == LayerKind.BatchNorm));
        nodes.ShouldNotContain("Dropout");
    }

    public static TheoryData<int> LayeredIds() => new(Enumerable.Range(0, LayeredCount));

    [Theory]
    [MemberData(nameof(LayeredIds))]
    public void NormalizationsAndDropoutExportAsTheirOperators(int id)
    {
        // LayerNormalization and BatchNormalization (their formulas from primitive operators in double), Dropout left
        // out (the identity at inference).
        var spec = networks.Layered[id];
        string Name(Precision precision) => spec.ClassName(CodeStyle.Looped, precision).Replace("Net", "Layered");
        IResidualNetwork<T> Trained<T>(Precision precision)
            where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
            => WithRunningStatistics(networks.Create<T>(Name(precision), id), id);

        foreach (int opset in new[] { OnnxExport.Opset, OnnxExport.MinimumOpset })
        {
            double worstDouble = Compare(Trained<double>(Precision.Double), id, 1e-12, opset);
            double worstSingle = Compare(Trained<float>(Precision.Single), id, 1e-5, opset);
            output.WriteLine($"layered net {id}, opset {opset}: worst scaled difference {worstDouble:E2} in double, {worstSingle:E2} in float");
        }

        if (spec.HasBatchNorm)
        {
            Trained<double>(Precision.Double).Buffers.ToArray().ShouldNotContain(0.0, "the running means moved");
        }

        var nodes = global::Onnx.ModelProto.Parser.ParseFrom(networks.Create<float>(Name(Precision.Single), id).ToOnnxBytes()).Graph.Node.Select(n => n.OpType).ToList();
        nodes.Count(op => op == "LayerNormalization").ShouldBe(spec.Layers.Count(l => l.Kind == LayerKind.LayerNorm));
        nodes.ShouldNotContain("Dropout");
        nodes.Count(op => op == "BatchNormalization").ShouldBe(spec.Layers.Count(l => l.Kind == LayerKind.BatchNorm));
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void TheExportedModelGivesForwardsOutputs(int id)
    {
        var spec = networks.Specs[id];
        foreach (int opset in new[] { OnnxExport.Opset, OnnxExport.MinimumOpset })
        {
            double worstDouble = Compare(networks.Create<double>(spec.ClassName(CodeStyle.Looped, Precision.Double), id), id, 1e-12, opset);
            double worstSingle = Compare(networks.Create<float>(spec.ClassName(CodeStyle.Looped, Precision.Single), id), id, 1e-5, opset);
            output.WriteLine($"net {id}, opset {opset}: worst scaled difference {worstDouble:E2} in double, {worstSingle:E2} in float");
        }
    }

    /// <summary>BatchNorm exports its running statistics: two training calls first move them from 0 and 1 (none without BatchNorm).</summary>
    private static IResidualNetwork<T> WithRunningStatistics<T>(IResidualNetwork<T> net, int seed)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var random = new Random(seed);
        for (int call = 0; call < 2 && net.Architecture.BatchNormLayers.Count > 0; call++)
        {
            var x = Enumerable.Range(0, 4 * net.InputSize).Select(_ => T.CreateTruncating(random.NextDouble() * 4 - 1)).ToArray();
            net.Backward(x, new T[4 * net.OutputSize]);
        }

        return net;
    }

    /// <summary>Runs the exported model and Forward on the same inputs; returns the worst |Δ|/max(1, |y|).</summary>
    private static double Compare<T>(IResidualNetwork<T> net, int seed, double tolerance, int opset)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var bytes = net.ToOnnxBytes(opset);
        var model = global::Onnx.ModelProto.Parser.ParseFrom(bytes);
        (model.IrVersion, model.OpsetImport.Single().Version).ShouldBe((opset <= 18 ? 8L : 9L, (long)opset));
        using var session = new InferenceSession(bytes);
        session.InputMetadata.Keys.ShouldBe(["x"]);
        var loss = net.Architecture.Loss;
        bool probabilities = loss is Loss.CrossEntropy or Loss.BinaryCrossEntropy;
        session.OutputMetadata.Keys.ShouldBe(probabilities ? ["y", "probabilities"] : ["y"]);
        var random = new Random(seed);
        double worst = 0;
        foreach (int batch in new[] { 1, 7 })
        {
            var x = Enumerable.Range(0, batch * net.InputSize).Select(_ => T.CreateTruncating(random.NextDouble() * 6 - 3)).ToArray();
            var expected = new T[batch * net.OutputSize];
            net.Forward(x, expected);
            using var results = session.Run([NamedOnnxValue.CreateFromTensor("x", new DenseTensor<T>(x, [batch, net.InputSize]))]);
            var y = results.First(r => r.Name == "y").AsTensor<T>();
            y.Dimensions.ToArray().ShouldBe([batch, net.OutputSize]);
            worst = Math.Max(worst, Check(y.ToArray(), expected, tolerance, "y"));
            if (probabilities)
            {
                var p = results.First(r => r.Name == "probabilities").AsTensor<T>().ToArray();
                var reference = new T[expected.Length];
                if (loss == Loss.CrossEntropy)
                {
                    Classification.Softmax<T>(expected, reference, net.OutputSize);
                }
                else
                {
                    for (int i = 0; i < expected.Length; i++)
                    {
                        reference[i] = T.One / (T.One + T.Exp(-expected[i]));
                    }
                }

                Check(p, reference, tolerance, "probabilities");
            }
        }

        return worst;
    }

    private static double Check<T>(T[] actual, T[] expected, double tolerance, string name)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double a = double.CreateTruncating(actual[i]), e = double.CreateTruncating(expected[i]);
            double scaled = Math.Abs(a - e) / Math.Max(1, Math.Abs(e));
            scaled.ShouldBeLessThanOrEqualTo(tolerance, $"{name}[{i}]: ONNX Runtime {a:R}, Forward {e:R}");
            worst = Math.Max(worst, scaled);
        }

        return worst;
    }

    /// <summary>One unit, weight 1 and bias 0, and an identity output: the exported activation against SkipNet's, across its whole range.</summary>
    [Theory]
    [InlineData("GeluSweep", 1e-15)]
    [InlineData("SoftplusSweep", 1e-15)]
    [InlineData("SiluSweep", 1e-15)]
    [InlineData("LeakySweep", 0)]
    public void EachDoubleActivationMatchesSkipNetsAcrossItsRange(string className, double tolerance)
    {
        var net = networks.Create<double>(className, 0);
        net.Parameters.Fill(0);
        net.Architecture.Block("h.W").Of(net.Parameters)[0] = 1;
        net.Architecture.Block("y.W").Of(net.Parameters)[0] = 1;
        var x = Enumerable.Range(0, 40_001).Select(i => -40 + i * 0.002).ToArray();
        var expected = new double[x.Length];
        net.Forward(x, expected);
        using var session = new InferenceSession(net.ToOnnxBytes());
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("x", new DenseTensor<double>(x, [x.Length, 1]))]);
        var actual = results[0].AsTensor<double>().ToArray();
        double worst = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double error = Math.Abs(actual[i] - expected[i]) / Math.Max(Math.Abs(expected[i]), double.Epsilon);
            error.ShouldBeLessThanOrEqualTo(tolerance, $"x = {x[i]:R}: ONNX Runtime {actual[i]:R}, SkipNet {expected[i]:R}");
            worst = Math.Max(worst, error);
        }

        output.WriteLine($"{className}: worst relative difference {worst:E2} over [-40, 40]");
    }

    [Theory]
    [InlineData("GeluSweepSingle", OnnxExport.Opset)]
    [InlineData("SoftplusSweepSingle", OnnxExport.Opset)]
    [InlineData("SoftplusSweepSingle", OnnxExport.MinimumOpset)]
    public void EachFloatActivationMatchesSkipNetsToFloatPrecision(string className, int opset)
    {
        var net = networks.Create<float>(className, 0);
        net.Parameters.Fill(0);
        net.Architecture.Block("h.W").Of(net.Parameters)[0] = 1;
        net.Architecture.Block("y.W").Of(net.Parameters)[0] = 1;
        var x = Enumerable.Range(0, 8_001).Select(i => (float)(-40 + i * 0.01)).ToArray();
        var expected = new float[x.Length];
        net.Forward(x, expected);
        using var session = new InferenceSession(net.ToOnnxBytes(opset));
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("x", new DenseTensor<float>(x, [x.Length, 1]))]);
        Check(results[0].AsTensor<float>().ToArray(), expected, 1e-5, "y");
    }

    [Theory]
    [InlineData(17)]
    [InlineData(18)]
    [InlineData(19)]
    public void FloatGeluBelowOpset20IsComposedFromErf(int opset)
    {
        var net = networks.Create<float>("GeluSweepSingle", 0);
        var model = global::Onnx.ModelProto.Parser.ParseFrom(net.ToOnnxBytes(opset));
        model.Graph.Node.Select(n => n.OpType).ShouldContain("Erf");
        model.Graph.Node.Select(n => n.OpType).ShouldNotContain("Gelu");
        EachFloatActivationMatchesSkipNetsToFloatPrecision("GeluSweepSingle", opset);
    }

    [Fact]
    public void AnOpsetOutsideSeventeenToTwentyIsRefusedAndNothingIsWritten()
    {
        var net = networks.Create<float>("GeluSweepSingle", 0);
        var stream = new MemoryStream();
        Should.Throw<ArgumentOutOfRangeException>(() => net.ExportOnnx(stream, 16)).Message.ShouldContain("opsets 17 to 20");
        Should.Throw<ArgumentOutOfRangeException>(() => net.ExportOnnx(stream, 21));
        stream.Length.ShouldBe(0);
    }

    [Fact]
    public void ExportingNamesTheUsersPathForAMissingFolderAndWritesThroughLinks()
    {
        var net = networks.Create<float>("GeluSweepSingle", 0);
        string directory = Directory.CreateTempSubdirectory("skipnet-onnx-").FullName;
        try
        {
            string missing = Path.Combine(directory, "missing", "m.onnx");
            Should.Throw<DirectoryNotFoundException>(() => net.ExportOnnx(missing)).Message.ShouldContain($"Could not write '{missing}'");

            Directory.CreateDirectory(Path.Combine(directory, "models"));
            string target = Path.Combine(directory, "models", "m.onnx"), link = Path.Combine(directory, "current.onnx");
            File.WriteAllText(target, "old");
            File.CreateSymbolicLink(link, "models/m.onnx");
            net.ExportOnnx(link, 17);
            new FileInfo(link).LinkTarget.ShouldBe("models/m.onnx");
            File.ReadAllBytes(target).ShouldBe(net.ToOnnxBytes(17));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void ThePathAndStreamOverloadsWriteTheSameModel()
    {
        var net = networks.Create<double>(networks.Specs[3].ClassName(CodeStyle.Looped, Precision.Double), 3);
        string path = Path.Combine(Path.GetTempPath(), $"skipnet-{Guid.NewGuid():N}.onnx");
        try
        {
            net.ExportOnnx(path);
            var stream = new MemoryStream();
            net.ExportOnnx(stream);
            File.ReadAllBytes(path).ShouldBe(stream.ToArray());
            stream.ToArray().ShouldBe(net.ToOnnxBytes());

            using var session = new InferenceSession(path);
            session.ModelMetadata.ProducerName.ShouldBe("SkipNet");
            session.InputMetadata["x"].ElementType.ShouldBe(typeof(double));
            session.InputMetadata["x"].Dimensions.ShouldBe([-1, net.InputSize], "a dynamic batch dimension");
            Path.GetDirectoryName(path)!.ShouldNotBeNull();
            Directory.GetFiles(Path.GetDirectoryName(path)!, Path.GetFileName(path) + ".*.tmp").ShouldBeEmpty();
        }
        finally
        {
            File.Delete(path);
        }

        Should.Throw<ArgumentNullException>(() => net.ExportOnnx((Stream)null!));
        Should.Throw<ArgumentException>(() => net.ExportOnnx(""));
    }
}
