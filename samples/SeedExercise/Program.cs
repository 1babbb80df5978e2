// The seed exercise, reproduced by SkipNet: one SGD step on x → h0 → h1 → ŷ with a weighted
// skip h0 → ŷ and L1 loss, printed like the pen-and-paper derivation; then a few steps more.
//
//   dotnet run --project samples/SeedExercise                   the step as a table (target y = −3, the exercise's last line)
//   dotnet run --project samples/SeedExercise -- --target 3.75  the reading that fits the exercise's first loss
//   dotnet run --project samples/SeedExercise -- --explain      every equation with its numbers (SeedNet.Explain)
//   dotnet run --project samples/SeedExercise -- --markdown     the same as Markdown with LaTeX math
//   dotnet run --project samples/SeedExercise -- --check "dL/dyhat = -1, w0' = 1.25"
//                                                               checks your own values (default: the exercise's)
using System.Globalization;
using SeedExercise;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
const double LearningRate = 1;

// The exercise's hand derivation with y = −3: it takes dL/dŷ = −1, and everything after follows.
const string ExerciseValues =
    "z0 = 0.5, h0 = 0.5, z1 = 0.25, h1 = 0.25, yhat = 0.375, L = 3.375, " +
    "dL/dyhat = -1, dL/dw2 = -0.25, dL/dws = -0.5, dL/db2 = -1, dL/dh1 = -0.5, dL/dw1 = -0.25, dL/db1 = -0.5, " +
    "dL/dh0 = -0.75, dL/dw0 = -0.75, dL/db0 = -0.75, " +
    "w0' = 1.25, b0' = 0.75, w1' = 0.75, b1' = 0.5, w2' = 0.75, b2' = 1, ws' = 1";

// The exercise's names: w0, b0, z0 … are SkipNet's names by layer position; ws is the skip weight s_h0_y.
var exerciseNames = new Dictionary<string, string> { ["ws"] = "s_h0_y" };

double target = -3;
string? mode = null, checkValues = null;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--target" when i + 1 < args.Length && double.TryParse(args[i + 1], out target):
            i++;
            break;
        case "--explain" or "--markdown":
            mode = args[i];
            break;
        case "--check":
            mode = args[i];
            checkValues = i + 1 < args.Length && !args[i + 1].StartsWith("--") ? args[++i] : ExerciseValues;
            break;
        default:
            Console.Error.WriteLine($"Unknown option '{args[i]}'. Options: --target <y>, --explain, --markdown, --check [\"name = value, …\"].");
            return 2;
    }
}

var net = new SeedNet();
net.Parameters.Clear();          // biases b0 = b1 = b2 = 0
net.H0Weights[0] = 0.5;          // w0
net.H1Weights[0] = 0.5;          // w1
net.YWeights[0] = 0.5;           // w2
net.H0ToYSkip[0] = 0.5;          // ws (the skip weight)

double[] x = [1], y = [target], yhat = [0];
switch (mode)
{
    case "--explain":
        Console.Write(net.Explain(x, y, LearningRate).ToText());
        return 0;
    case "--markdown":
        Console.Write(net.Explain(x, y, LearningRate).ToMarkdown());
        return 0;
    case "--check":
        Console.WriteLine($"Your values against the derivation (y = {target}):");
        Console.Write(net.Explain(x, y, LearningRate).Check(checkValues!, exerciseNames));
        return 0;
}

// The exercise's names for the blocks of SeedNet.Blocks (h0.W, h0.b, h1.W, h1.b, y.W, y.b, h0->y.S).
string[] names = ["w0", "b0", "w1", "b1", "w2", "b2", "ws"];
double[] before = net.Parameters.ToArray();
double Param(string name) => before[Array.IndexOf(names, name)];

// The hand derivation checked against this one, before the step changes the network.
var exerciseCheck = net.Explain(x, y, LearningRate).Check(ExerciseValues, exerciseNames);

Console.WriteLine("SkipNet — the seed exercise");
Console.WriteLine("  z0 = w0·x + b0,          h0 = ReLU(z0)");
Console.WriteLine("  z1 = w1·h0 + b1,         h1 = ReLU(z1)");
Console.WriteLine("  ŷ = z2 = w2·h1 + ws·h0 + b2    (ws: the skip edge h0 → ŷ)");
Console.WriteLine("  L = |y − ŷ|");
Console.WriteLine($"Start: x = 1, y = {target}, w0 = w1 = w2 = ws = 0.5, b0 = b1 = b2 = 0, learning rate α = {LearningRate}");
Console.WriteLine();

// Forward. SeedNet gives ŷ; the hidden values follow from the same equations.
net.Forward(x, yhat);
double z0 = Param("w0") * x[0] + Param("b0"), h0 = Math.Max(z0, 0);
double z1 = Param("w1") * h0 + Param("b1"), h1 = Math.Max(z1, 0);
Console.WriteLine("Forward");
Row("z0 = w0·x + b0", $"0.5 × 1 + 0", z0);
Row("h0 = ReLU(z0)", "", h0);
Row("z1 = w1·h0 + b1", $"0.5 × {h0} + 0", z1);
Row("h1 = ReLU(z1)", "", h1);
Row("ŷ = w2·h1 + ws·h0 + b2", $"0.5 × {h1} + 0.5 × {h0} + 0", yhat[0]);

double lossBefore = net.TrainStep(x, y, LearningRate);
Row("L = |y − ŷ|", $"|{target} − {yhat[0]}|", lossBefore);
Console.WriteLine();

// Backward: SkipNet's gradients. dL/dz = dL/db for every layer, and here every z ≥ 0, so dL/dh = dL/dz.
var g = net.Gradients;
Console.WriteLine($"Backward (chain rule; g = dL/dŷ = sign(ŷ − y) = sign({yhat[0]} − ({target})))");
Row("dL/dŷ = g", "", g[5]);
Row("dL/dw2 = g·h1", $"{g[5]} × {h1}", g[4]);
Row("dL/dws = g·h0", $"{g[5]} × {h0}", g[6]);
Row("dL/db2 = g", "", g[5]);
Row("dL/dh1 = g·w2", $"{g[5]} × 0.5", g[3]);
Row("dL/dw1 = dL/dz1·h0", $"{g[3]} × {h0}", g[2]);
Row("dL/db1 = dL/dz1", "", g[3]);
Row("dL/dh0 = dL/dz1·w1 + g·ws", $"{g[3]} × 0.5 + {g[5]} × 0.5   (two paths)", g[1]);
Row("dL/dw0 = dL/dz0·x", $"{g[1]} × 1", g[0]);
Row("dL/db0 = dL/dz0", "", g[1]);
Console.WriteLine();

Console.WriteLine($"Update p ← p − α·dL/dp");
Console.WriteLine($"  {"p",-4} {"before",8} {"dL/dp",8} {"after",8}");
for (int i = 0; i < names.Length; i++)
{
    Console.WriteLine($"  {names[i],-4} {before[i],8:0.###} {g[i],8:0.###} {net.Parameters[i],8:0.###}");
}

net.Forward(x, yhat);
double lossAfter = net.Evaluate(x, y);
Console.WriteLine();
Console.WriteLine($"After the step: ŷ = {yhat[0]}, loss {lossBefore} → {lossAfter} ({(lossAfter < lossBefore ? "down" : "up")})");
var p = net.Parameters;
double z0After = p[0] * x[0] + p[1], z1After = p[2] * Math.Max(z0After, 0) + p[3];
if (z0After < 0 && z1After < 0)
{
    Console.WriteLine($"Both ReLUs are now off (z0 = {z0After}, z1 = {z1After}): only b2 can still learn.");
}

Console.WriteLine();
Console.WriteLine(target == -3
    ? $"The exercise's own derivation, checked (--check): first wrong step {exerciseCheck.FirstWrongStep?.Quantity}: it wrote {exerciseCheck.FirstWrongStep?.Given}, the chain rule gives {exerciseCheck.FirstWrongStep?.Correct}; " +
      $"{exerciseCheck.Values.Count(v => !v.Agrees) - 1} later values only carry that sign forward."
    : $"The exercise's own derivation, checked (--check): {(exerciseCheck.AllAgree ? "every value agrees with this reading of y" : "first wrong step " + exerciseCheck.FirstWrongStep?.Quantity)}.");
Console.WriteLine("Every equation with its numbers: --explain (or --markdown).");

Console.WriteLine();
Console.WriteLine("Training on (α = 0.5):");
for (int step = 2; step <= 6; step++)
{
    double loss = net.TrainStep(x, y, 0.5);
    net.Forward(x, yhat);
    Console.WriteLine($"  step {step}: loss {loss,6:0.####} → ŷ = {yhat[0]:0.####}");
}

return 0;

static void Row(string equation, string numbers, double value) =>
    Console.WriteLine($"  {equation,-27} {(numbers.Length > 0 ? "= " + numbers : ""),-36} = {value}");
