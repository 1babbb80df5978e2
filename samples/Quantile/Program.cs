// Quantile regression with a loss of your own: the 0.1, 0.5 and 0.9 quantiles of diabetes
// progression one year on, from body-mass index, on scikit-learn's diabetes data (442 patients;
// Debian's python3-sklearn ships it). Each network learns one quantile with its [Differentiable]
// pinball loss; the test set's coverage (the fraction of targets below each quantile) is printed,
// and the three curves are drawn over the data.
//
//   dotnet run --project samples/Quantile [-- --data DIR] [--epochs N] [--out DIR]

using System.Globalization;
using System.IO.Compression;
using Quantile;
using ScottPlot;
using SkipNet;

string data = "/usr/lib/python3/dist-packages/sklearn/datasets/data", outDir = "artifacts/quantile";
int epochs = 400;
for (int i = 0; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--data": data = args[i + 1]; break;
        case "--epochs": epochs = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
        case "--out": outDir = args[i + 1]; break;
        default: Console.Error.WriteLine($"Unknown option {args[i]}"); return 2;
    }
}

string features = Path.Combine(data, "diabetes_data_raw.csv.gz"), targets = Path.Combine(data, "diabetes_target.csv.gz");
if (!File.Exists(features) || !File.Exists(targets))
{
    Console.Error.WriteLine($"No diabetes data in {data}: install it with `apt-get install python3-sklearn`, or pass --data DIR holding diabetes_data_raw.csv.gz and diabetes_target.csv.gz.");
    return 1;
}

static double[][] Read(string path)
{
    using var reader = new StreamReader(new GZipStream(File.OpenRead(path), CompressionMode.Decompress));
    return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray())
        .ToArray();
}

// Body-mass index is the third column (AGE SEX BMI BP S1–S6); the target is one number per line.
var bmi = Read(features).Select(row => row[2]).ToArray();
var progression = Read(targets).Select(row => row[0]).ToArray();
Console.WriteLine($"{bmi.Length} patients: BMI {bmi.Min():F1}–{bmi.Max():F1}, progression {progression.Min()}–{progression.Max()}");

// Every fifth patient is held out; inputs and targets are standardized on the training patients.
var train = Enumerable.Range(0, bmi.Length).Where(i => i % 5 != 0).ToArray();
var test = Enumerable.Range(0, bmi.Length).Where(i => i % 5 == 0).ToArray();
double xMean = train.Average(i => bmi[i]), xScale = Math.Sqrt(train.Average(i => Math.Pow(bmi[i] - xMean, 2)));
double yMean = train.Average(i => progression[i]), yScale = Math.Sqrt(train.Average(i => Math.Pow(progression[i] - yMean, 2)));
double[] X(int[] rows) => rows.Select(i => (bmi[i] - xMean) / xScale).ToArray();
double[] Y(int[] rows) => rows.Select(i => (progression[i] - yMean) / yScale).ToArray();

var networks = new (double Tau, IResidualNetwork<double> Net)[] { (0.1, new Quantile10(seed: 1)), (0.5, new Quantile50(seed: 1)), (0.9, new Quantile90(seed: 1)) };
var grid = Enumerable.Range(0, 200).Select(k => bmi.Min() + (bmi.Max() - bmi.Min()) * k / 199.0).ToArray();
var plot = new Plot();
var points = plot.Add.ScatterPoints(bmi, progression);
points.LegendText = "patients";
points.Color = Colors.Gray.WithAlpha(0.5);
var watch = System.Diagnostics.Stopwatch.StartNew();
foreach (var (tau, net) in networks)
{
    var trainer = new Trainer<double>(net, new Adam<double>(net, learningRate: 3e-3), batchSize: 32) { Seed = 7 };
    var history = trainer.Fit(TrainingSet<double>.WithTargets(X(train), Y(train)), epochs, TrainingSet<double>.WithTargets(X(test), Y(test)));

    var predicted = new double[test.Length];
    net.Forward(X(test), predicted);
    var testTargets = Y(test);
    double below = Enumerable.Range(0, test.Length).Count(i => testTargets[i] <= predicted[i]) / (double)test.Length;
    Console.WriteLine($"τ = {tau:F1}: test pinball loss {net.Evaluate(X(test), testTargets):F4}, {below:P1} of the test targets below the prediction");

    var curve = new double[grid.Length];
    net.Forward(grid.Select(b => (b - xMean) / xScale).ToArray(), curve);
    var line = plot.Add.ScatterLine(grid, curve.Select(v => v * yScale + yMean).ToArray());
    line.LegendText = $"{tau:F1} quantile";
    line.LineWidth = 3;
}

Console.WriteLine($"training time: {watch.Elapsed.TotalSeconds:F1} s");
Directory.CreateDirectory(outDir);
string png = Path.Combine(outDir, "quantiles.png");
plot.Title("Diabetes progression after one year, by body-mass index: three quantiles");
plot.XLabel("body-mass index");
plot.YLabel("disease progression");
plot.ShowLegend(Alignment.UpperLeft);
plot.SavePng(png, 1000, 650);
Console.WriteLine($"wrote {png}");
return 0;
