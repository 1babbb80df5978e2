using System.Diagnostics;
using System.Globalization;
using FashionMnist;
using SkipNet;
using SkipNet.Onnx;
using Spectre.Console;

// dotnet run -c Release --project samples/FashionMnist [-- --data DIR] [--epochs N] [--batch N] [--seed N] [--out DIR]
//                                                       [--save FILE] [--onnx FILE] [--checkpoint FILE] [--load FILE] [--threads N]
//                                                       [--pytorch DIR] [--saliency FILE]
//
// Trains the network of Networks.cs (the residual MLP here; samples/FashionResNet runs this program on
// its ResNet) on Fashion-MNIST with Adam (warm-up, then cosine decay)
// and prints, last, the three lines scripts read: trained N epochs / training time: S s / test accuracy: 0.xxxx.
// --save writes the trained weights (safetensors), --onnx the ONNX model; --checkpoint writes a
// checkpoint after each epoch and, when the file exists, resumes from it; --load evaluates saved
// weights without training; --pytorch writes, without training, what scripts/train-distributed.sh
// hands to PyTorch: the module (model.py, from ToPyTorch), the initial weights under PyTorch's names
// (weights.safetensors) and the training pixels' mean and standard deviation (standardization.json).
// --saliency draws the first test image of each class over its saliency map, |dL/dx| from InputGradient
// (after training, or with --load).

string[] classNames = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];
var options = Options.Parse(args);
if (options is null)
{
    Console.Error.WriteLine($"usage: {AppDomain.CurrentDomain.FriendlyName} [--data DIR] [--epochs N] [--batch N] [--seed N] [--learning-rate R] [--out DIR] [--save FILE] [--onnx FILE] [--checkpoint FILE] [--load FILE] [--threads N] [--pytorch DIR] [--saliency FILE]");
    return 1;
}

string? Find(string stem) => new[] { stem, stem + ".gz" }.Select(f => Path.Combine(options.Data, f)).FirstOrDefault(File.Exists);
string[] stems = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"];
var files = stems.Select(Find).ToArray();
if (files.Any(f => f is null))
{
    Console.Error.WriteLine($"The Fashion-MNIST files are not in {options.Data} (missing: {string.Join(", ", stems.Where((s, i) => files[i] is null))}).");
    Console.Error.WriteLine("Get them with 'sudo apt-get install dataset-fashion-mnist' (Debian puts them in /usr/share/datasets/fashion-mnist),");
    Console.Error.WriteLine("or download the four .gz files from https://github.com/zalandoresearch/fashion-mnist and pass --data DIR (or set FASHION_MNIST_DIR).");
    return 2;
}

var (trainX, trainLabels) = Load(files[0]!, files[1]!);
var (testX, testLabels) = Load(files[2]!, files[3]!);
var (mean, std) = Standardize(trainX, testX);
AnsiConsole.MarkupLine($"Fashion-MNIST: {trainLabels.Length:N0} training and {testLabels.Length:N0} test images from [grey]{Markup.Escape(options.Data)}[/]");

var net = new FashionNet(options.Seed);
if (options.PyTorch is { } pytorch)
{
    Directory.CreateDirectory(pytorch);
    File.WriteAllText(Path.Combine(pytorch, "model.py"), FashionNet.Architecture.ToPyTorch());
    net.SaveWeights(Path.Combine(pytorch, "weights.safetensors"), WeightNames.PyTorch);
    File.WriteAllText(Path.Combine(pytorch, "standardization.json"), string.Create(CultureInfo.InvariantCulture, $"{{\"mean\": {mean:R}, \"std\": {std:R}}}\n"));
    Console.WriteLine($"the PyTorch module, its initial weights (seed {options.Seed}) and the standardization are in {pytorch}");
    return 0;
}

if (options.Load is { } weights)
{
    net.LoadWeights(weights);
    Console.WriteLine($"loaded {weights}");
    Console.WriteLine($"test accuracy: {net.Accuracy(testX, testLabels).ToString("F4", CultureInfo.InvariantCulture)}");
    Saliency(net, testX, testLabels, classNames, options.Saliency);
    return 0;
}

var adam = new Adam<float>(net, learningRate: options.LearningRate);
int batchesPerEpoch = (trainLabels.Length + options.Batch - 1) / options.Batch;
var trainer = new Trainer<float>(net, adam, options.Batch)
{
    Seed = options.Seed,
    Schedule = options.Epochs > 1 ? SequentialLR<float>.WarmupCosine(adam, warmupSteps: 1, totalSteps: options.Epochs + 1) : null,
    CheckpointPath = options.Checkpoint,
    MaxDegreeOfParallelism = options.Threads,
};
if (options.Checkpoint is { } checkpoint && File.Exists(checkpoint))
{
    AnsiConsole.MarkupLine($"resuming from [grey]{Markup.Escape(checkpoint)}[/] after epoch {trainer.Resume(checkpoint)}");
}

AnsiConsole.MarkupLine($"{FashionNet.ParameterCount:N0} parameters; Adam, learning rate {options.LearningRate} (1 epoch of warm-up, then cosine decay), batch {options.Batch}, {options.Epochs} epochs, {options.Threads ?? Parallelism.MaxDegreeOfParallelism} thread(s)");

TrainingHistory history = null!;
AnsiConsole.Progress()
    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
    .Start(context =>
    {
        var task = context.AddTask("epoch 1", maxValue: options.Epochs);
        var progress = new EpochProgress(report =>
        {
            task.Increment(1);
            task.Description = $"epoch {report.Epoch}: loss {report.TrainingLoss:F4}, test accuracy {report.ValidationAccuracy:F4}";
        });
        history = trainer.Fit(TrainingSet<float>.WithLabels(trainX, trainLabels), options.Epochs, TrainingSet<float>.WithLabels(testX, testLabels), progress);
    });

var table = new Table().AddColumns("epoch", "learning rate", "training loss", "test loss", "test accuracy", "training s");
foreach (var e in history.Epochs)
{
    table.AddRow(e.Epoch.ToString(), e.LearningRate.ToString("G3", CultureInfo.InvariantCulture), e.TrainingLoss.ToString("F4", CultureInfo.InvariantCulture),
        e.ValidationLoss!.Value.ToString("F4", CultureInfo.InvariantCulture), e.ValidationAccuracy!.Value.ToString("F4", CultureInfo.InvariantCulture),
        e.TrainingTime.TotalSeconds.ToString("F2", CultureInfo.InvariantCulture));
}

AnsiConsole.Write(table);

double accuracy = net.Accuracy(testX, testLabels);
if (options.Out is { } outDirectory)
{
    Directory.CreateDirectory(outDirectory);
    Plots.Curves(history, Path.Combine(outDirectory, "loss-and-accuracy.png"));
    Plots.Confusion(Confusion(net, testX, testLabels), classNames, Path.Combine(outDirectory, "confusion.png"));
    AnsiConsole.MarkupLine($"plots in [grey]{Markup.Escape(outDirectory)}[/]");
}

Saliency(net, testX, testLabels, classNames, options.Saliency);
if (options.Save is { } save)
{
    net.SaveWeights(save);
    AnsiConsole.MarkupLine($"weights saved to [grey]{Markup.Escape(save)}[/] (load them with --load)");
}

if (options.Onnx is { } onnx)
{
    net.ExportOnnx(onnx);
    AnsiConsole.MarkupLine($"ONNX model written to [grey]{Markup.Escape(onnx)}[/]");
}

Console.WriteLine($"trained {history.Epochs.Count} epochs");
Console.WriteLine($"training time: {history.TrainingTime.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture)} s");
Console.WriteLine($"test accuracy: {accuracy.ToString("F4", CultureInfo.InvariantCulture)}");
return 0;

static (float[] X, int[] Labels) Load(string images, string labels)
{
    var (imageDims, pixels) = Idx.Read(images);
    var (labelDims, classes) = Idx.Read(labels);
    if (imageDims.Length != 3 || imageDims[1] * imageDims[2] != FashionNet.InputSize || labelDims.Length != 1 || labelDims[0] != imageDims[0])
    {
        throw new InvalidDataException($"{images} and {labels} are not {FashionNet.InputSize}-pixel images with one label each: dimensions {string.Join("×", imageDims)} and {string.Join("×", labelDims)}.");
    }

    return (pixels.Select(p => p / 255f).ToArray(), classes.Select(c => (int)c).ToArray());
}

// Every pixel as (p − mean)/std of the training pixels: inputs of unit scale suit the initialization.
static (double Mean, double Std) Standardize(float[] train, float[] test)
{
    double mean = train.Average(v => (double)v);
    double std = Math.Sqrt(train.Average(v => (v - mean) * (v - mean)));
    foreach (var set in new[] { train, test })
    {
        for (int i = 0; i < set.Length; i++)
        {
            set[i] = (float)((set[i] - mean) / std);
        }
    }

    return (mean, std);
}

// The first test image of each class, dL/dx for it (cross-entropy against its label, eval mode) and
// SmoothGrad's map (|dL/dx| averaged over 32 copies with Gaussian noise of 0.15 times the image's
// range, one InputGradient call on the batch of copies), drawn to path.
static void Saliency(FashionNet net, float[] x, int[] labels, string[] classNames, string? path)
{
    if (path is null)
    {
        return;
    }

    int classes = FashionNet.OutputSize, size = FashionNet.InputSize;
    var images = new float[classes][];
    var gradients = new float[classes][];
    var smoothed = new float[classes][];
    const int copies = 32;
    var noisy = new float[copies * size];
    var noisyGradients = new float[copies * size];
    var targets = new float[copies * classes];
    var random = new Random(1);
    var titles = new string[classes];
    var target = new float[classes];
    var logits = new float[classes];
    for (int c = 0; c < classes; c++)
    {
        int s = Array.IndexOf(labels, c);
        images[c] = x.AsSpan(s * size, size).ToArray();
        gradients[c] = new float[size];
        Array.Clear(target);
        target[c] = 1;
        float loss = net.InputGradient(images[c], target, gradients[c]);
        net.Forward(images[c], logits);
        int predicted = Classification.ArgMax<float>(logits);
        // SmoothGrad: InputGradient on a batch of noisy copies, |dL/dx| averaged over the copies.
        float sigma = 0.15f * (images[c].Max() - images[c].Min());
        for (int k = 0; k < copies; k++)
        {
            for (int i = 0; i < size; i++)
            {
                double u1 = 1 - random.NextDouble(), u2 = random.NextDouble();
                noisy[k * size + i] = images[c][i] + sigma * (float)(Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
            }

            target.CopyTo(targets, k * classes);
        }

        net.InputGradient(noisy, targets, noisyGradients);
        smoothed[c] = new float[size];
        for (int k = 0; k < copies; k++)
        {
            for (int i = 0; i < size; i++)
            {
                smoothed[c][i] += Math.Abs(noisyGradients[k * size + i]) / copies;
            }
        }

        titles[c] = $"{classNames[c]}{(predicted == c ? "" : $" (as {classNames[predicted]})")}\nloss {loss.ToString("F3", CultureInfo.InvariantCulture)}";
    }

    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
    Plots.Saliency(images, gradients, smoothed, titles, (int)Math.Sqrt(size), path);
    AnsiConsole.MarkupLine($"saliency maps in [grey]{Markup.Escape(path)}[/]");
}

static int[,] Confusion(FashionNet net, float[] x, int[] labels)
{
    var counts = new int[FashionNet.OutputSize, FashionNet.OutputSize];
    var logits = new float[FashionNet.OutputSize];
    for (int s = 0; s < labels.Length; s++)
    {
        net.Forward(x.AsSpan(s * FashionNet.InputSize, FashionNet.InputSize), logits);
        counts[labels[s], Classification.ArgMax<float>(logits)]++;
    }

    return counts;
}

internal sealed record Options(string Data, int Epochs, int Batch, int Seed, float LearningRate, string? Out, string? Save, string? Onnx, string? Checkpoint, string? Load, int? Threads, string? PyTorch, string? Saliency)
{
    public static Options? Parse(string[] args)
    {
        string data = Environment.GetEnvironmentVariable("FASHION_MNIST_DIR") is { Length: > 0 } env ? env : "/usr/share/datasets/fashion-mnist";
        int epochs = Defaults.Epochs, batch = 128, seed = 1;
        float rate = 1e-3f;
        string? output = null, save = null, onnx = null, checkpoint = null, load = null, pytorch = null, saliency = null;
        int? threads = null;
        for (int i = 0; i < args.Length; i++)
        {
            string? Next() => i + 1 < args.Length ? args[++i] : null;
            switch (args[i])
            {
                case "--data": data = Next() ?? data; break;
                case "--epochs" when int.TryParse(Next(), out int e) && e > 0: epochs = e; break;
                case "--batch" when int.TryParse(Next(), out int b) && b > 0: batch = b; break;
                case "--seed" when int.TryParse(Next(), out int s): seed = s; break;
                case "--learning-rate" when float.TryParse(Next(), CultureInfo.InvariantCulture, out float r) && r > 0: rate = r; break;
                case "--out": output = Next(); break;
                case "--save": save = Next(); break;
                case "--onnx": onnx = Next(); break;
                case "--checkpoint": checkpoint = Next(); break;
                case "--load": load = Next(); break;
                case "--threads" when int.TryParse(Next(), out int t) && t > 0: threads = t; break;
                case "--pytorch": pytorch = Next(); break;
                case "--saliency": saliency = Next(); break;
                default: return null;
            }
        }

        return new Options(data, epochs, batch, seed, rate, output, save, onnx, checkpoint, load, threads, pytorch, saliency);
    }
}
