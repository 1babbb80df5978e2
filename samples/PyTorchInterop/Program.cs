using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using PyTorchInterop;
using SkipNet;
using SkipNet.CompilerServices;
using SkipNet.Onnx;

// dotnet run --project samples/PyTorchInterop -- export DIR | check DIR | onnx DIR
//
// export: for each network, writes DIR/<name>.py (NetworkArchitecture.ToPyTorch), the weights with
//         PyTorch's names (SaveWeights(…, WeightNames.PyTorch)), a batch (x, targets), SkipNet's
//         outputs, loss and gradients (the gradients as a weights file of the same names).
// check:  loads the weights PyTorch wrote (DIR/<name>.torch-*.safetensors) with LoadWeights, and
//         compares SkipNet's outputs and its SGD steps with PyTorch's. scripts/check-pytorch.sh runs
//         both halves around the Python side.
// onnx:   writes every network as ONNX at opsets 17 to 20, for scripts/check-onnx.sh (onnx.checker).
// gelu:   float GELU and its derivative of the floats in DIR/gelu-x.bin (raw float32), into
//         DIR/gelu-skipnet.bin and DIR/gelu-skipnet-derivative.bin, for scripts/check_gelu.py.

if (args is not [("export" or "check" or "onnx" or "gelu") and var command, var directory])
{
    Console.Error.WriteLine("usage: PyTorchInterop export DIR | check DIR | onnx DIR | gelu DIR");
    return 1;
}

Directory.CreateDirectory(directory);
if (command == "gelu")
{
    // A float network's GELU spans (the kernels generated code calls), as PyTorch computes it in float.
    float[] z = MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(Path.Combine(directory, "gelu-x.bin"))).ToArray();
    var h = new float[z.Length];
    var derivative = new float[z.Length];
    Array.Fill(derivative, 1f);
    Activations.GELU<float>(z, h);
    Activations.GELUBackward<float>(z, derivative);
    File.WriteAllBytes(Path.Combine(directory, "gelu-skipnet.bin"), MemoryMarshal.AsBytes(h.AsSpan()).ToArray());
    File.WriteAllBytes(Path.Combine(directory, "gelu-skipnet-derivative.bin"), MemoryMarshal.AsBytes(derivative.AsSpan()).ToArray());
    Console.WriteLine($"float GELU and its derivative of {z.Length} values written to {directory}");
    return 0;
}
if (command == "onnx")
{
    // scripts/check-onnx.sh: every network at every opset the export writes, for onnx.checker.
    foreach (var (name, write) in new (string, Action<string, int>)[]
    {
        ("Classifier", (path, opset) => new Classifier(11).ExportOnnx(path, opset)),
        ("Regressor", (path, opset) => new Regressor(12).ExportOnnx(path, opset)),
        ("ClassifierSingle", (path, opset) => new ClassifierSingle(13).ExportOnnx(path, opset)),
        ("Normed", (path, opset) => new Normed(13).ExportOnnx(path, opset)),
        ("Imaged", (path, opset) => new Imaged(14).ExportOnnx(path, opset)),
    })
    {
        for (int opset = OnnxExport.MinimumOpset; opset <= OnnxExport.Opset; opset++)
        {
            write(Path.Combine(directory, $"{name}.opset{opset}.onnx"), opset);
        }
    }

    Console.WriteLine($"wrote 5 networks at opsets {OnnxExport.MinimumOpset} to {OnnxExport.Opset} to {directory}");
    return 0;
}

int failures = 0;
foreach (var network in new Func<IResidualNetwork<double>>[] { () => new Classifier(11), () => new Regressor(12), () => new Normed(13), () => new Imaged(14), () => new Functional(15) })
{
    var net = network();
    string name = net.GetType().Name;
    string stem = Path.Combine(directory, name);
    if (command == "export")
    {
        Export(net, name, stem);
    }
    else
    {
        failures += Check(network, name, stem);
    }
}

return failures == 0 ? 0 : 3;

static void Export(IResidualNetwork<double> net, string name, string stem)
{
    File.WriteAllText(stem + ".py", net.Architecture.ToPyTorch(name));
    net.SaveWeights(stem + ".safetensors", WeightNames.PyTorch);
    var (x, y) = Batch(net, seed: name.Length);
    var output = new double[y.Length];
    net.Forward(x, output);
    var inputGradient = new double[x.Length];
    double evalLoss = net.InputGradient(x, y, inputGradient); // eval mode, before Backward moves any running statistic
    net.ZeroGradients();
    double loss = net.Backward(x, y);

    // The gradients, saved as the weights of a copy: the same names and shapes as the parameters.
    var gradients = net.Gradients.ToArray();
    var copy = Clone(net);
    gradients.CopyTo(copy.Parameters);
    copy.SaveWeights(stem + ".grad.safetensors", WeightNames.PyTorch);
    Json.Write(stem + ".batch.json", new() { ["x"] = x, ["y"] = y, ["output"] = output, ["loss"] = [loss], ["batch"] = [x.Length / net.InputSize],
        ["eval_loss"] = [evalLoss], ["input_gradient"] = inputGradient });

    // The dropout masks of that Backward (rows 9), and of the check's three SGD steps (rows 5) on a
    // fresh network of the same seed: PyTorch applies them in place of its own dropout draws.
    var masks = new Dictionary<string, double[]>();
    var random = new SplitMix64(0) { State = Fresh(net).RandomState };
    foreach (var (layer, mask) in Masks(net.Architecture, rows: x.Length / net.InputSize, ref random))
    {
        masks[layer + ".backward"] = mask;
    }

    random.State = Fresh(net).RandomState;
    for (int step = 0; step < 3; step++)
    {
        foreach (var (layer, mask) in Masks(net.Architecture, rows: 5, ref random))
        {
            masks[$"{layer}.step{step}"] = mask;
        }
    }

    Json.Write(stem + ".masks.json", masks);
    Console.WriteLine($"{name}: wrote {name}.py, weights, gradients and a batch of {x.Length / net.InputSize}");
}

static int Check(Func<IResidualNetwork<double>> make, string name, string stem)
{
    // The weights the export process saved give, in this process, its outputs bit for bit.
    var saved = Json.Read(stem + ".batch.json");
    var reloaded = make();
    reloaded.Parameters.Clear();
    reloaded.LoadWeights(stem + ".safetensors");
    var again = new double[saved["output"].Length];
    reloaded.Forward(saved["x"], again);
    bool same = again.AsSpan().SequenceEqual(saved["output"]);
    Console.WriteLine($"{name}: the weights saved by the export process give its outputs here {(same ? "bit for bit: ok" : "differently: FAILED")}");

    var torch = Json.Read(stem + ".torch.json");
    int rows = (int)torch["batch"][0];
    var x = torch["x"];
    var y = torch["y"];

    // PyTorch's initial weights, loaded, give PyTorch's outputs; three SGD steps give PyTorch's weights after them.
    var net = make();
    net.LoadWeights(stem + ".torch-initial.safetensors");
    var output = new double[rows * net.OutputSize];
    net.Forward(x, output);
    double outputs = Worst(output, torch["output"]);
    double learningRate = torch["lr"][0];
    for (int step = 0; step < 3; step++)
    {
        net.TrainStep(x, y, learningRate);
    }

    var trained = make();
    trained.LoadWeights(stem + ".torch-trained.safetensors");
    double weights = Worst(net.Parameters.ToArray(), trained.Parameters.ToArray());
    double statistics = Worst(net.Buffers.ToArray(), trained.Buffers.ToArray());
    bool counts = net.BatchesTracked.SequenceEqual(trained.BatchesTracked);
    bool ok = same && outputs <= 1e-12 && weights <= 1e-12 && statistics <= 1e-12 && counts;
    string running = net.Buffers.Length == 0 ? "" : $", running statistics to {statistics:E2}, batch counts {(counts ? "equal" : "DIFFERENT")}";
    Console.WriteLine($"{name}: PyTorch's weights loaded; outputs agree to {outputs:E2}, weights after 3 SGD steps to {weights:E2}{running} (scaled by max(1, |value|)): {(ok ? "ok" : "FAILED")}");
    return ok ? 0 : 1;
}

static double Worst(double[] actual, double[] expected)
{
    double worst = 0;
    for (int i = 0; i < expected.Length; i++)
    {
        worst = Math.Max(worst, Math.Abs(actual[i] - expected[i]) / Math.Max(1, Math.Abs(expected[i])));
    }

    return actual.Length == expected.Length ? worst : double.PositiveInfinity;
}

static (double[] X, double[] Y) Batch(IResidualNetwork<double> net, int seed)
{
    const int rows = 9;
    var random = new Random(seed);
    var x = Enumerable.Range(0, rows * net.InputSize).Select(_ => random.NextDouble() * 4 - 2).ToArray();
    var y = new double[rows * net.OutputSize];
    if (net.Architecture.Loss == Loss.CrossEntropy)
    {
        for (int r = 0; r < rows; r++)
        {
            y[r * net.OutputSize + random.Next(net.OutputSize)] = 1;
        }
    }
    else
    {
        for (int i = 0; i < y.Length; i++)
        {
            y[i] = random.NextDouble() * 2 - 1;
        }
    }

    return (x, y);
}

static IResidualNetwork<double> Clone(IResidualNetwork<double> net) => net switch
{
    Classifier c => c.Clone(),
    Regressor r => r.Clone(),
    Normed n => n.Clone(),
    Imaged i => i.Clone(),
    Functional f => f.Clone(),
    _ => throw new ArgumentException("Unknown network.", nameof(net)),
};

static IResidualNetwork<double> Fresh(IResidualNetwork<double> net) => net switch
{
    Classifier => new Classifier(11),
    Regressor => new Regressor(12),
    Normed => new Normed(13),
    Imaged => new Imaged(14),
    Functional => new Functional(15),
    _ => throw new ArgumentException("Unknown network.", nameof(net)),
};

// The masks one training call on `rows` samples (one chunk) draws: each Dropout layer in turn, row by
// row, as the generated code draws them (0 with probability p, else 1/(1 − p)).
static List<(string Layer, double[] Mask)> Masks(NetworkArchitecture architecture, int rows, ref SplitMix64 random)
{
    var masks = new List<(string, double[])>();
    foreach (var layer in architecture.Layers.Where(l => l.Kind == LayerKind.Dropout))
    {
        var ones = Enumerable.Repeat(1.0, rows * layer.Width).ToArray();
        var mask = new double[ones.Length];
        SkipNet.CompilerServices.LayerKernels.DropoutForward<double>(ones, mask, new double[ones.Length], layer.P, ref random);
        masks.Add((layer.Name, mask));
    }

    return masks;
}

/// <summary>Named arrays of doubles as JSON, written with round-trip precision.</summary>
internal static class Json
{
    public static void Write(string path, Dictionary<string, double[]> values) =>
        File.WriteAllText(path, JsonSerializer.Serialize(values.ToDictionary(p => p.Key, p => p.Value.Select(v => v.ToString("R", CultureInfo.InvariantCulture)).ToArray())));

    public static Dictionary<string, double[]> Read(string path) =>
        JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(File.ReadAllText(path))!
            .ToDictionary(p => p.Key, p => p.Value.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? double.Parse(e.GetString()!, CultureInfo.InvariantCulture) : e.GetDouble()).ToArray());
}
