// What difference does a skip connection make? Deep, narrow networks (depth 8, 16, 32; width 16;
// Tanh and ReLU) declared twice — without skips and with an identity skip into every hidden layer —
// start from the same seed, learn the same regression task, and are measured: the gradient
// reaching each layer at initialization, and the training loss. Twice: with the weights as
// generated (He/Glorot), and with every hidden layer's weights after the first scaled by 1/4 (weak
// branches, the start residual networks are designed for).
//
//   dotnet run -c Release --project samples/SkipConnections                 (about half a minute)
//   dotnet run -c Release --project samples/SkipConnections -- --out plots --steps 3000
using System.Globalization;
using ScottPlot;
using SkipConnections;
using SkipNet;
using Spectre.Console;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
string output = Path.Combine("artifacts", "skip-connections");
int steps = 3000;
for (int i = 0; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--out":
            output = args[i + 1];
            break;
        case "--steps" when int.TryParse(args[i + 1], out int n) && n >= 100:
            steps = n;
            break;
        default:
            AnsiConsole.MarkupLine($"[red]Unknown option {Markup.Escape(args[i])}[/]. Options: --out <folder>, --steps <n ≥ 100>.");
            return 2;
    }
}

const double LearningRate = 0.02;
const int Seed = 1, Every = 50;
var (x, y) = Experiment.MakeData(seed: 42);
var inits = new[] { (Name: "generated", Title: "weights as generated (He/Glorot)", Scale: 1.0), (Name: "small", Title: "hidden weights × 1/4", Scale: 0.25) };
var results = new Dictionary<string, List<Result>>();

AnsiConsole.MarkupLine($"[bold]Skip connections[/]: {Variant.All.Count} networks × {inits.Length} starts, {steps} SGD steps each (batch {Experiment.Batch}, α = {LearningRate}), " +
    $"on y = sin(π·x0)·x1 + x2·x3 − 0.5·x4² + 0.3·x5 with {Experiment.Samples} samples.");
AnsiConsole.Progress()
    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
    .Start(context =>
    {
        foreach (var init in inits)
        {
            var list = results[init.Name] = new List<Result>();
            foreach (var variant in Variant.All)
            {
                var task = context.AddTask($"{init.Name,-9} {variant.Name,-15}", maxValue: steps);
                var net = variant.Create(Seed);
                Experiment.ScaleHiddenWeights(net, init.Scale);
                var norms = Experiment.GradientNorms(net, x, y, variant.Depth);
                var losses = Experiment.Train(net, x, y, steps, LearningRate, Every, done => task.Increment(done));
                task.StopTask();
                list.Add(new Result(variant, norms, losses));
            }
        }
    });

Directory.CreateDirectory(output);
foreach (var init in inits)
{
    var list = results[init.Name];
    var table = new Table().Title($"[bold]{init.Title}[/]")
        .AddColumns("network", "‖dL/dh‖ first layer", "‖dL/dh‖ last layer", "loss at start", $"after {steps / 10}", $"after {steps}");
    foreach (var r in list)
    {
        double first = r.GradientNorms[0], last = r.GradientNorms[^1];
        table.AddRow(r.Variant.Name, first.ToString("0.00e+00"), last.ToString("0.00e+00"),
            Shown(r.Losses[0].Loss), Shown(r.LossAt(steps / 10)), Shown(r.Losses[^1].Loss));
    }

    AnsiConsole.Write(table);
    Plots.GradientNorms(list, $"Gradient reaching each layer at initialization ({init.Title})", Path.Combine(output, $"gradients-{init.Name}.png"));
    Plots.Losses(list, $"Training loss ({init.Title})", Path.Combine(output, $"loss-{init.Name}.png"));
}

AnsiConsole.MarkupLine($"Plots: [link]{Markup.Escape(Path.GetFullPath(output))}[/] (gradients-*.png, loss-*.png).");
AnsiConsole.MarkupLine($"The task's variance, the loss of always answering the mean: {Experiment.Variance(y):0.0000}.");
return 0;

static string Shown(double loss) => double.IsFinite(loss) ? loss.ToString("0.0000") : "diverged";
