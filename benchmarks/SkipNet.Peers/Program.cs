using System.Diagnostics;
using FashionMnist;
using Microsoft.ML.OnnxRuntime;
using SkipNet;
using SkipNet.Benchmarks;
using SkipNet.Onnx;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

// dotnet run -c Release --project benchmarks/SkipNet.Peers [-- --threads 1,2] [--parts products,steps,fashion,resnet,onnx]
//                                                          [--fashion-epochs N] [--resnet-epochs N] [--data DIR] [--pin 0,1|none]
//
// First each of SkipNet's matrix products against the FMA peak measured in the same run (its share
// of this CPU's limit), with the cache-derived block sizes. Then SkipNet against TorchSharp 0.107
// (libtorch 2.10) in one process, alternating: the TrainStep of
// the five reference networks (float64: zero the gradients, forward, backward, SGD step), and an
// epoch of the Fashion-MNIST MLP and of the FashionResNet (float32, batch 128, Adam), at each thread
// count. Then inference against ONNX Runtime (CPU provider, as many intra-op threads): Forward of the
// MLP and the ResNet at batch 1 and 128, against InferenceSession.Run of their ExportOnnx models on
// preallocated tensors. Prints a Markdown table of times and ratios (the peer's time ÷ SkipNet's:
// above 1, SkipNet is faster), with the target of each row that has one (the Row calls' target:
// arguments and VectorWidths.TargetShare, as docs/performance.md lists them) and whether this run met it.

var threadCounts = Arg("--threads", "1,2").Split(',').Select(int.Parse).ToArray();
string pinArg = Arg("--pin", string.Join(',', Enumerable.Range(0, Environment.ProcessorCount)));
int?[] pins = pinArg == "none" || !OperatingSystem.IsLinux() ? [null] : pinArg.Split(',').Select(c => (int?)int.Parse(c)).ToArray();
var parts = Arg("--parts", "products,steps,fashion,resnet,onnx").Split(',');
int fashionEpochs = parts.Contains("fashion") ? int.Parse(Arg("--fashion-epochs", "1")) : 0;
int resnetEpochs = parts.Contains("resnet") ? int.Parse(Arg("--resnet-epochs", "1")) : 0;
string data = Arg("--data", Environment.GetEnvironmentVariable("FASHION_MNIST_DIR") is { Length: > 0 } d ? d : "/usr/share/datasets/fashion-mnist");

torch.set_default_dtype(torch.float64);
Console.WriteLine($"TorchSharp over libtorch {torch.__version__}; ONNX Runtime {OrtEnv.Instance().GetVersionString()}; SkipNet {typeof(Parallelism).Assembly.GetName().Version}; {Environment.ProcessorCount} processors");
Console.WriteLine();
if (parts.Contains("products"))
{
    // How far from this CPU's limit SkipNet's products run: each at 512×512×32 on one thread against
    // the FMA peak measured in the same rounds, at the vector width the networks use here.
    Console.WriteLine($"Block sizes: {Blocks.Describe()}");
    Console.WriteLine();
    Console.WriteLine($"| product (one thread) | SkipNet | in-run FMA peak | share of the peak | ≥ {VectorWidths.TargetShare:P0} |");
    Console.WriteLine("|---|---|---|---|---|");
    foreach (int? cpu in pins)
    {
        // The products and the peak on each CPU of --pin in turn, the calling thread pinned there.
        using var pin = CallingThread.PinTo(cpu);
        foreach (var row in VectorWidths.ShareRows())
        {
            Console.WriteLine(cpu is int c ? row.Insert(2, $"CPU {c}: ") : row);
        }
    }

    Console.WriteLine();
}

// The targets SkipNet holds itself to on every CPU it meets (the peer's time ÷ SkipNet's at least this).
Console.WriteLine("| what | threads | SkipNet | peer | peer ÷ SkipNet | target |");
Console.WriteLine("|---|---|---|---|---|---|");

foreach (int threads in parts.Contains("steps") ? threadCounts : [])
{
    Parallelism.MaxDegreeOfParallelism = threads;
    torch.set_num_threads(threads);

    // One thread: both sides run on the calling thread, pinned to each CPU of --pin in turn, so that
    // both meet the same CPU (on a virtual machine one vCPU may run a step 1.5× slower than another).
    foreach (int? cpu in threads == 1 ? pins : [null])
    {
        using var pin = CallingThread.PinTo(cpu);
        string label = cpu is int c ? $"1 (CPU {c})" : threads.ToString();
        Row("seed TrainStep, TorchSharp, batch 1", label, Compare(Step(new Seed(), 1), TorchStep(TorchNet.Seed(), 1, 1, l1: true)));
        Row("mlp-16 TrainStep, TorchSharp, batch 1", label, Compare(Step(new Mlp16(), 1), TorchStep(TorchNet.Mlp(16), 16, 1)), target: 400);
        Row("mlp-128 TrainStep, TorchSharp, batch 1", label, Compare(Step(new Mlp128(), 1), TorchStep(TorchNet.Mlp(128), 128, 1)), target: 15);
        Row("mlp-128 TrainStep, TorchSharp, batch 32", label, Compare(Step(new Mlp128(), 32), TorchStep(TorchNet.Mlp(128), 128, 32)), target: 3);
        Row("mlp-512 TrainStep, TorchSharp, batch 32", label, Compare(Step(new Mlp512(), 32), TorchStep(TorchNet.Mlp(512), 512, 32)), target: 2);
        Row("mlp-512 float TrainStep, TorchSharp, batch 32", label, Compare(Step(new Mlp512F(), 32), TorchStep(TorchNet.Mlp(512), 512, 32, dtype: torch.float32)), target: 2);
    }
}

var files = new[] { "train-images-idx3-ubyte", "train-labels-idx1-ubyte" }
    .Select(stem => new[] { stem, stem + ".gz" }.Select(f => Path.Combine(data, f)).FirstOrDefault(File.Exists)).ToArray();
if (fashionEpochs + resnetEpochs > 0 && files.All(f => f is not null))
{
    var (x, labels) = LoadFashion(files[0]!, files[1]!);
    // The MLP's epoch in at most 0.75 of TorchSharp's time: its time ÷ SkipNet's at least 1/0.75.
    Epochs("Fashion-MNIST MLP epoch, TorchSharp (float, batch 128, Adam)", fashionEpochs, () => new FashionNet(1), () => new TorchFashionNet(), target: 1 / 0.75);
    Epochs("FashionResNet epoch, TorchSharp (float, batch 128, Adam)", resnetEpochs, () => new FashionResNet(1), () => new TorchFashionResNet());

    void Epochs(string what, int epochs, Func<IResidualNetwork<float>> skipNet, Func<nn.Module<Tensor, Tensor>> torchNet, double? target = null)
    {
        foreach (int threads in epochs > 0 ? threadCounts : [])
        {
            Parallelism.MaxDegreeOfParallelism = threads;
            torch.set_num_threads(threads);
            double skipnet = double.MaxValue, torchSharp = double.MaxValue;
            for (int round = 0; round < epochs; round++)
            {
                Settle();
                skipnet = Math.Min(skipnet, SkipNetEpoch(skipNet(), x, labels));
                Settle();
                torchSharp = Math.Min(torchSharp, TorchEpoch(torchNet(), x, labels));
            }

            Row(what, threads, (skipnet, torchSharp), seconds: true, target: target);
        }
    }
}
else if (fashionEpochs + resnetEpochs > 0)
{
    Console.WriteLine($"(Fashion-MNIST not found in {data}: apt-get install dataset-fashion-mnist, or --data DIR)");
}

foreach (int threads in parts.Contains("onnx") ? threadCounts : [])
{
    Parallelism.MaxDegreeOfParallelism = threads;
    foreach (int batch in new[] { 1, 128 })
    {
        Row($"Fashion-MNIST MLP Forward, ONNX Runtime, batch {batch}", threads, Inference(new FashionNet(1), batch, threads));
        Row($"FashionResNet Forward, ONNX Runtime, batch {batch}", threads, Inference(new FashionResNet(1), batch, threads));
    }
}

return 0;

string Arg(string name, string fallback)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}

static void Row(string what, object threads, (double SkipNet, double TorchSharp) times, bool seconds = false, double? target = null)
{
    var (skipnet, torchSharp) = times;
    string Format(double t) => seconds ? $"{t:F2} s" : t >= 1000 ? $"{t / 1000:F2} ms" : t >= 1 ? $"{t:F2} µs" : $"{t * 1000:F1} ns";
    double ratio = torchSharp / skipnet;
    string verdict = target is double least ? $"≥ {least:#,0.##}×: {(ratio >= least ? "met" : "**missed**")}" : "";
    Console.WriteLine($"| {what} | {threads} | {Format(skipnet)} | {Format(torchSharp)} | {ratio:#,0.00} | {verdict} |");
}

// Both steps warmed up, then 15 rounds of ~60 ms each, alternating between the two so that both
// meet the same conditions on a machine whose speed drifts; the median of each, in µs per call.
// Calls run in groups sized during the warm-up to ~50 µs, so reading the clock costs nothing
// measurable even on the seed net. Each round starts after the other side's idle threads have
// gone to sleep (see Settle).
static (double First, double Second) Compare(Action first, Action second)
{
    int groupFirst = Warm(first), groupSecond = Warm(second);
    var a = new List<double>();
    var b = new List<double>();
    for (int round = 0; round < 15; round++)
    {
        Settle();
        a.Add(Round(first, groupFirst));
        Settle();
        b.Add(Round(second, groupSecond));
    }

    a.Sort();
    b.Sort();
    return (a[a.Count / 2], b[b.Count / 2]);
}

// Idle worker threads spin before they sleep: libtorch's OpenMP (libgomp) threads for some
// milliseconds, SkipNet's for 1 ms. Measured right after the other side's round, a two-thread step
// shared its second core with them (SkipNet's mlp-512 on two threads: 1.30× its one-thread speed
// this way, 1.65× with libgomp told not to spin, in back-to-back runs). A pause outside the clock
// lets both sides' threads go to sleep, without changing how either spins within its own step.
static void Settle() => Thread.Sleep(50);

static int Warm(Action step)
{
    var warm = Stopwatch.StartNew();
    long calls = 0;
    while (warm.ElapsedMilliseconds < 300)
    {
        step();
        calls++;
    }

    return (int)Math.Clamp(50.0 / (warm.Elapsed.TotalMicroseconds / calls), 1, 100_000);
}

static double Round(Action step, int group)
{
    long calls = 0;
    var clock = Stopwatch.StartNew();
    while (clock.ElapsedMilliseconds < 60)
    {
        for (int i = 0; i < group; i++)
        {
            step();
        }

        calls += group;
    }

    return clock.Elapsed.TotalMicroseconds / calls;
}

// Forward against ONNX Runtime's Run on the same inputs, into preallocated outputs, after checking
// that both give the same logits (to float's rounding).
static (double SkipNet, double Peer) Inference(IResidualNetwork<float> net, int batch, int threads)
{
    var random = new Random(2);
    var x = Enumerable.Range(0, batch * net.InputSize).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
    float[] mine = new float[batch * net.OutputSize], theirs = new float[batch * net.OutputSize];
    using var options = new SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL };
    using var session = new InferenceSession(net.ToOnnxBytes(), options);
    using var input = OrtValue.CreateTensorValueFromMemory(x, [batch, net.InputSize]);
    using var output = OrtValue.CreateTensorValueFromMemory(theirs, [batch, net.OutputSize]);
    using var run = new RunOptions();
    string[] inputNames = ["x"], outputNames = ["y"];
    OrtValue[] inputs = [input], outputs = [output];
    Action skipnet = () => net.Forward(x, mine);
    Action onnx = () => session.Run(run, inputNames, inputs, outputNames, outputs);
    skipnet();
    onnx();
    double worst = mine.Zip(theirs, (a, b) => Math.Abs(a - b) / Math.Max(1, Math.Abs(b))).Max();
    if (worst > 1e-4)
    {
        throw new InvalidOperationException($"ONNX Runtime's outputs differ from Forward's by {worst:G3}");
    }

    return Compare(skipnet, onnx);
}

static Action Step<T>(IResidualNetwork<T> net, int batch)
    where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
{
    var (x, y) = Batches.Draw(net, batch);
    var rate = T.CreateTruncating(1e-4);
    return () => net.TrainStep(x, y, rate);
}

static Action TorchStep(nn.Module<Tensor, Tensor> net, int inputs, int batch, bool l1 = false, ScalarType? dtype = null)
{
    var type = dtype ?? torch.float64;
    net.to(type);
    var x = torch.rand(batch, inputs, dtype: type) * 2 - 1;
    var y = torch.rand(batch, 1, dtype: type);
    var sgd = torch.optim.SGD(net.parameters(), 1e-4);
    return () =>
    {
        using var scope = torch.NewDisposeScope();
        sgd.zero_grad();
        var output = net.forward(x);
        var loss = l1 ? F.l1_loss(output, y) : F.mse_loss(output, y);
        loss.backward();
        sgd.step();
    };
}

static (float[] X, int[] Labels) LoadFashion(string images, string labels)
{
    var (_, pixels) = Idx.Read(images);
    var (_, classes) = Idx.Read(labels);
    double mean = pixels.Average(p => p / 255.0);
    double std = Math.Sqrt(pixels.Average(p => (p / 255.0 - mean) * (p / 255.0 - mean)));
    return (pixels.Select(p => (float)((p / 255.0 - mean) / std)).ToArray(), classes.Select(c => (int)c).ToArray());
}

static double SkipNetEpoch(IResidualNetwork<float> net, float[] x, int[] labels)
{
    var trainer = new Trainer<float>(net, new Adam<float>(net, 1e-3f), batchSize: 128) { Seed = 1 };
    return trainer.Fit(TrainingSet<float>.WithLabels(x, labels), epochs: 1).TrainingTime.TotalSeconds;
}

static double TorchEpoch(nn.Module<Tensor, Tensor> net, float[] x, int[] labels)
{
    net.to(torch.float32);
    var adam = torch.optim.Adam(net.parameters(), 1e-3);
    int samples = labels.Length;
    var all = torch.tensor(x, [samples, 784], dtype: torch.float32);
    var targets = torch.tensor(labels.Select(l => (long)l).ToArray(), dtype: torch.int64);
    var generator = torch.Generator.Default;
    torch.manual_seed(1);
    var clock = Stopwatch.StartNew();
    var order = torch.randperm(samples);
    for (int start = 0; start < samples; start += 128)
    {
        using var scope = torch.NewDisposeScope();
        var index = order.narrow(0, start, Math.Min(128, samples - start));
        var batch = all.index_select(0, index);
        var target = targets.index_select(0, index);
        adam.zero_grad();
        var loss = F.cross_entropy(net.forward(batch), target);
        loss.backward();
        adam.step();
    }

    return clock.Elapsed.TotalSeconds;
}

/// <summary>The reference networks in TorchSharp: the same layers, skips and activations.</summary>
internal sealed class TorchNet : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor>[] _hidden;
    private readonly nn.Module<Tensor, Tensor> _output;
    private readonly nn.Module<Tensor, Tensor>? _skip;

    private TorchNet(string name, int inputs, int width, int depth, bool seed)
        : base(name)
    {
        _hidden = Enumerable.Range(0, depth).Select(i => (nn.Module<Tensor, Tensor>)nn.Linear(i == 0 ? inputs : width, width)).ToArray();
        _output = nn.Linear(width, 1);
        _skip = seed ? nn.Linear(width, 1, hasBias: false) : null;
        for (int i = 0; i < depth; i++)
        {
            register_module($"h{i}", _hidden[i]);
        }

        register_module("y", _output);
        if (_skip is not null)
        {
            register_module("h0_to_y", _skip);
        }
    }

    /// <summary>x → h0 → h1 → y, ReLU, a weighted skip h0 → y (L1 in the step).</summary>
    public static TorchNet Seed() => new("seed", 1, 1, 2, seed: true);

    /// <summary>Four ReLU layers of n with identity skips h0→h1→h2→h3, a linear output of 1.</summary>
    public static TorchNet Mlp(int n) => new($"mlp{n}", n, n, 4, seed: false);

    public override Tensor forward(Tensor x)
    {
        if (_skip is not null)
        {
            var h0 = F.relu(_hidden[0].forward(x));
            var h1 = F.relu(_hidden[1].forward(h0));
            return _output.forward(h1) + _skip.forward(h0);
        }

        var h = F.relu(_hidden[0].forward(x));
        for (int i = 1; i < _hidden.Length; i++)
        {
            h = F.relu(_hidden[i].forward(h) + h);
        }

        return _output.forward(h);
    }
}

/// <summary>FashionNet in TorchSharp: 784 → 256 → 256 (+h0) → 256 (+h1) → 10, GELU (exact).</summary>
internal sealed class TorchFashionNet : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> _h0 = nn.Linear(784, 256), _h1 = nn.Linear(256, 256), _h2 = nn.Linear(256, 256), _y = nn.Linear(256, 10);

    public TorchFashionNet()
        : base("fashion")
    {
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var h0 = F.gelu(_h0.forward(x));
        var h1 = F.gelu(_h1.forward(h0) + h0);
        var h2 = F.gelu(_h2.forward(h1) + h1);
        return _y.forward(h2);
    }
}

/// <summary>FashionResNet in TorchSharp: the same convolutions, BatchNorm2d, pools, skips and projection.</summary>
internal sealed class TorchFashionResNet : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> _c0 = nn.Conv2d(1, 16, 3, padding: 1), _bn0 = nn.BatchNorm2d(16);
    private readonly nn.Module<Tensor, Tensor> _c1 = nn.Conv2d(16, 16, 3, padding: 1), _bn1 = nn.BatchNorm2d(16);
    private readonly nn.Module<Tensor, Tensor> _c2 = nn.Conv2d(16, 16, 3, padding: 1), _bn2 = nn.BatchNorm2d(16);
    private readonly nn.Module<Tensor, Tensor> _p1 = nn.MaxPool2d(2);
    private readonly nn.Module<Tensor, Tensor> _c3 = nn.Conv2d(16, 32, 3, padding: 1), _bn3 = nn.BatchNorm2d(32);
    private readonly nn.Module<Tensor, Tensor> _c4 = nn.Conv2d(32, 32, 3, padding: 1), _bn4 = nn.BatchNorm2d(32);
    private readonly nn.Module<Tensor, Tensor> _projection = nn.Conv2d(16, 32, 1, bias: false);
    private readonly nn.Module<Tensor, Tensor> _p2 = nn.MaxPool2d(2), _gap = nn.AdaptiveAvgPool2d(1), _y = nn.Linear(32, 10);

    public TorchFashionResNet()
        : base("fashion_resnet")
    {
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var image = x.reshape(-1, 1, 28, 28);
        var bn0 = F.relu(_bn0.forward(_c0.forward(image)));
        var bn1 = F.relu(_bn1.forward(_c1.forward(bn0)));
        var bn2 = F.relu(_bn2.forward(_c2.forward(bn1)) + bn0);
        var p1 = _p1.forward(bn2);
        var bn3 = F.relu(_bn3.forward(_c3.forward(p1)));
        var bn4 = F.relu(_bn4.forward(_c4.forward(bn3)) + _projection.forward(p1));
        return _y.forward(_gap.forward(_p2.forward(bn4)).flatten(1));
    }
}

/// <summary>
/// The calling thread held to one CPU (Linux's sched_setaffinity on thread 0, the caller) until
/// disposed, then given every CPU again; <c>null</c> leaves it where the scheduler puts it.
/// </summary>
internal static partial class CallingThread
{
    public static IDisposable? PinTo(int? cpu)
    {
        if (cpu is not int c)
        {
            return null;
        }

        ulong one = 1UL << c;
        if (SetAffinity(0, sizeof(ulong), ref one) != 0)
        {
            throw new InvalidOperationException($"sched_setaffinity to CPU {c} failed (errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()})");
        }

        return new Release();
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "sched_setaffinity", SetLastError = true)]
    private static partial int SetAffinity(int pid, nint size, ref ulong mask);

    private sealed class Release : IDisposable
    {
        public void Dispose()
        {
            ulong all = Environment.ProcessorCount >= 64 ? ulong.MaxValue : (1UL << Environment.ProcessorCount) - 1;
            SetAffinity(0, sizeof(ulong), ref all);
        }
    }
}
