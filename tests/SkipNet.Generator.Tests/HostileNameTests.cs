using System.Reflection;

namespace SkipNet.Generator.Tests;

/// <summary>
/// Layers named like what the generated code declares or uses — its members (YBias, ParameterCount,
/// ForwardChunk), its private members and locals (Workspace, ws, loss, rows), contextual keywords
/// (value, var, record) and letters that change under upper-casing (ſ) — give networks that compile
/// without a warning and compute the same numbers as the reference interpreter, in both code styles.
/// </summary>
public class HostileNameTests : IClassFixture<HostileNameTests.Networks>
{
    public static readonly string[] Names =
    [
        // public members, and names the public members are built from
        "YBias", "YWeights", "YBiasGradient", "ParameterCount", "InputSize", "OutputSize", "Blocks", "Architecture", "Diagram",
        "Parameters", "Gradients", "Forward", "Backward", "Evaluate", "ZeroGradients", "Step", "TrainStep", "Explain", "Clone", "Initialize",
        // private members, types the code names, and their parts
        "ForwardChunk", "BackwardChunk", "ForwardSample", "BackwardSample", "LossSample", "ForwardRows", "BackwardRows", "EvaluateRows",
        "BackwardCore", "CheckBatch", "Chunk", "Workspace", "NewParameters", "DrawParameters", "NotGenerated", "Guard", "SkipNet",
        "System", "Math", "MathF", "Span", "MemberwiseClone", "ToString",
        // parameters and locals of the generated methods
        "ws", "s", "sum", "start", "rows", "samples", "output", "seed", "random", "copy", "parameters", "scale", "write", "chunkWrite",
        "learningRate", "original", "loss", "dL", "e", "z", "d", "w", "b", "p", "g", "n", "h", "y",
        // contextual keywords
        "value", "var", "record", "async", "await", "nameof", "dynamic", "yield", "partial", "when", "and", "or", "not", "with", "init",
        "required", "scoped", "file", "field", "global", "managed", "unmanaged", "nint", "nuint", "args", "select", "from", "where",
        "get", "set", "add", "remove", "alias", "notnull", "let", "join", "into", "on", "equals", "by", "group", "orderby", "allows",
        // letters whose upper case is another letter, or that have none
        "ſa", "ǆb", "Ω1", "ßc", "ä2",
    ];

    private static readonly CodeStyle[] Styles = [CodeStyle.Unrolled, CodeStyle.Looped];

    private readonly Networks _networks;

    public HostileNameTests(Networks networks) => _networks = networks;

    /// <summary>Every name as a hidden layer (read by a skip), and as the output layer.</summary>
    public sealed class Networks
    {
        public Dictionary<string, NetSpec> Hidden { get; } = new();

        public Dictionary<string, NetSpec> Output { get; } = new();

        public Assembly Assembly { get; }

        public Networks()
        {
            int id = 5000;
            foreach (var name in Names)
            {
                string last = name == "y" ? "o" : "y";
                Hidden[name] = new NetSpec(id++, 2,
                    [new(name, 3, Activation.Tanh, 0), new("h1", 3, Activation.Sigmoid, 0), new(last, 2, Activation.Identity, 0)],
                    [new(name, last, SkipKind.Weighted), new("x", "h1", SkipKind.Weighted), new(name, "h1", SkipKind.Identity)],
                    Loss.MSE, 3);
                Output[name] = new NetSpec(id++, 2,
                    [new("h0", 3, Activation.Tanh, 0), new(name, 2, Activation.Identity, 0)],
                    [new("x", name, SkipKind.Weighted)],
                    Loss.L1, 2);
            }

            var source = new System.Text.StringBuilder("using SkipNet;\nnamespace Hostile;\n");
            foreach (var spec in Hidden.Values.Concat(Output.Values))
            {
                foreach (var style in Styles)
                {
                    source.AppendLine(spec.Declare(style, Precision.Double));
                }
            }

            Assembly = Harness.GenerateAndLoad(source.ToString());
        }

        public IResidualNetwork<double> Create(NetSpec spec, CodeStyle style, int seed) =>
            (IResidualNetwork<double>)Activator.CreateInstance(Assembly.GetType("Hostile." + spec.ClassName(style, Precision.Double), throwOnError: true)!, seed)!;
    }

    public static TheoryData<string> AllNames() => new(Names);

    [Theory]
    [MemberData(nameof(AllNames))]
    public void AHiddenLayerNamedSoComputesTheReferenceNumbers(string name) => Check(_networks.Hidden[name]);

    [Theory]
    [MemberData(nameof(AllNames))]
    public void AnOutputLayerNamedSoComputesTheReferenceNumbers(string name) => Check(_networks.Output[name]);

    [Fact]
    public void ALayerNamedYBiasLeavesLayerYsBiasAlone()
    {
        // The case that once trained an activation buffer instead of the bias: the one-sample step
        // must move y's bias by exactly −α·dL/db, in both styles.
        foreach (var style in Styles)
        {
            var net = _networks.Create(_networks.Hidden["YBias"], style, seed: 3);
            var bias = net.Blocks.Single(b => b.Name == "y.b");
            double[] x = [0.3, -0.7], y = [0.5, -0.25];
            var before = bias.Of(net.Parameters).ToArray();
            net.TrainStep(x, y, 0.1);
            var gradient = bias.Of(net.Gradients).ToArray();
            gradient.ShouldAllBe(g => g != 0);
            var after = bias.Of(net.Parameters).ToArray();
            for (int i = 0; i < after.Length; i++)
            {
                after[i].ShouldBe(before[i] - 0.1 * gradient[i], 1e-15, style.ToString());
            }
        }
    }

    private void Check(NetSpec spec)
    {
        var random = new Random(spec.Id);
        var x = Enumerable.Range(0, spec.Batch * spec.Inputs).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        int outputs = spec.Layers[^1].Units;
        var y = Enumerable.Range(0, spec.Batch * outputs).Select(_ => random.NextDouble() * 4 - 2).ToArray();

        var nets = Styles.Select(style => _networks.Create(spec, style, seed: spec.Id)).ToArray();
        foreach (var net in nets)
        {
            net.Blocks.Select(b => (b.Name, b.Offset, b.Rows, b.Cols)).ShouldBe(Reference.Layout(spec).Select(b => (b.Name, b.Offset, b.Rows, b.Cols)));
            var output = new double[spec.Batch * outputs];
            net.Forward(x, output);
            double loss = 0;
            for (int s = 0; s < spec.Batch; s++)
            {
                var yhat = Reference.Forward(spec, net.Parameters, x.AsSpan(s * spec.Inputs, spec.Inputs)).H[spec.Layers[^1].Name];
                for (int i = 0; i < outputs; i++)
                {
                    output[s * outputs + i].ShouldBe(yhat[i], 1e-12 * (1 + Math.Abs(yhat[i])));
                }

                loss += Reference.Loss(spec, yhat, y.AsSpan(s * outputs, outputs));
            }

            net.Evaluate(x, y).ShouldBe(loss / y.Length, 1e-12 * (1 + loss));
            var report = GradientCheck.Run(net, x, y);
            report.Passed.ShouldBeTrue(report.ToString());
        }

        double unrolled = nets[0].TrainStep(x, y, 0.05), looped = nets[1].TrainStep(x, y, 0.05);
        looped.ShouldBe(unrolled, 1e-12 * (1 + unrolled));
        for (int i = 0; i < nets[0].ParameterCount; i++)
        {
            nets[1].Parameters[i].ShouldBe(nets[0].Parameters[i], 1e-12 * (1 + Math.Abs(nets[0].Parameters[i])));
        }
    }
}
