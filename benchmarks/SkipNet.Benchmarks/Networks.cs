using SkipNet;

namespace SkipNet.Benchmarks;

// The five reference networks (issue figures measured with TorchSharp): identity skips h0→h1→h2→h3,
// ReLU hidden layers, a linear output of width 1, MSE; the seed net is the exercise itself.

[Residual(Inputs = 1, Loss = Loss.L1)]
[Dense("h0", 1, Activation.ReLU)]
[Dense("h1", 1, Activation.ReLU)]
[Dense("y", 1)]
[Skip("h0", "y", SkipKind.Weighted)]
public partial class Seed;

[Residual(Inputs = 1, Loss = Loss.L1, Precision = Precision.Single)]
[Dense("h0", 1, Activation.ReLU)]
[Dense("h1", 1, Activation.ReLU)]
[Dense("y", 1)]
[Skip("h0", "y", SkipKind.Weighted)]
public partial class SeedF;

[Residual(Inputs = 16, Loss = Loss.MSE)]
[Dense("h0", 16, Activation.ReLU)] [Dense("h1", 16, Activation.ReLU)] [Dense("h2", 16, Activation.ReLU)] [Dense("h3", 16, Activation.ReLU)]
[Dense("y", 1)]
[Skip("h0", "h1")] [Skip("h1", "h2")] [Skip("h2", "h3")]
public partial class Mlp16;

[Residual(Inputs = 16, Loss = Loss.MSE, Precision = Precision.Single)]
[Dense("h0", 16, Activation.ReLU)] [Dense("h1", 16, Activation.ReLU)] [Dense("h2", 16, Activation.ReLU)] [Dense("h3", 16, Activation.ReLU)]
[Dense("y", 1)]
[Skip("h0", "h1")] [Skip("h1", "h2")] [Skip("h2", "h3")]
public partial class Mlp16F;

[Residual(Inputs = 128, Loss = Loss.MSE)]
[Dense("h0", 128, Activation.ReLU)] [Dense("h1", 128, Activation.ReLU)] [Dense("h2", 128, Activation.ReLU)] [Dense("h3", 128, Activation.ReLU)]
[Dense("y", 1)]
[Skip("h0", "h1")] [Skip("h1", "h2")] [Skip("h2", "h3")]
public partial class Mlp128;

[Residual(Inputs = 128, Loss = Loss.MSE, Precision = Precision.Single)]
[Dense("h0", 128, Activation.ReLU)] [Dense("h1", 128, Activation.ReLU)] [Dense("h2", 128, Activation.ReLU)] [Dense("h3", 128, Activation.ReLU)]
[Dense("y", 1)]
[Skip("h0", "h1")] [Skip("h1", "h2")] [Skip("h2", "h3")]
public partial class Mlp128F;

[Residual(Inputs = 512, Loss = Loss.MSE)]
[Dense("h0", 512, Activation.ReLU)] [Dense("h1", 512, Activation.ReLU)] [Dense("h2", 512, Activation.ReLU)] [Dense("h3", 512, Activation.ReLU)]
[Dense("y", 1)]
[Skip("h0", "h1")] [Skip("h1", "h2")] [Skip("h2", "h3")]
public partial class Mlp512;

[Residual(Inputs = 512, Loss = Loss.MSE, Precision = Precision.Single)]
[Dense("h0", 512, Activation.ReLU)] [Dense("h1", 512, Activation.ReLU)] [Dense("h2", 512, Activation.ReLU)] [Dense("h3", 512, Activation.ReLU)]
[Dense("y", 1)]
[Skip("h0", "h1")] [Skip("h1", "h2")] [Skip("h2", "h3")]
public partial class Mlp512F;

// The Fashion-MNIST sample's network (samples/FashionMnist/Networks.cs), for the optimizer benchmarks.
[Residual(Inputs = 784, Loss = Loss.CrossEntropy, Precision = Precision.Single)]
[Dense("h0", 256, Activation.GELU)]
[Dense("h1", 256, Activation.GELU)]
[Dense("h2", 256, Activation.GELU)]
[Dense("y", 10)]
[Skip("h0", "h1")]
[Skip("h1", "h2")]
public partial class FashionNet;

// The FashionResNet sample's network (samples/FashionResNet/Networks.cs), for the peers' epoch and inference rows.
[Residual(InputShape = new[] { 1, 28, 28 }, Loss = Loss.CrossEntropy, Precision = Precision.Single)]
[Conv2D("c0", 16, 3, Padding = 1)]      [BatchNorm("bn0", Activation.ReLU)]
[Conv2D("c1", 16, 3, Padding = 1)]      [BatchNorm("bn1", Activation.ReLU)]
[Conv2D("c2", 16, 3, Padding = 1)]      [BatchNorm("bn2", Activation.ReLU)]
[Skip("bn0", "bn2")]
[MaxPool2D("p1", 2)]
[Conv2D("c3", 32, 3, Padding = 1)]      [BatchNorm("bn3", Activation.ReLU)]
[Conv2D("c4", 32, 3, Padding = 1)]      [BatchNorm("bn4", Activation.ReLU)]
[Skip("p1", "bn4", SkipKind.Weighted)]
[MaxPool2D("p2", 2)]
[GlobalAvgPool2D("gap")]
[Dense("y", 10)]
public partial class FashionResNet;

/// <summary>A batch for timing a network: inputs uniform in [−1, 1), targets in [0, 1), from a fixed seed.</summary>
internal static class Batches
{
    public static (T[] X, T[] Y) Draw<T>(IResidualNetwork<T> net, int batch, int seed = 1)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var random = new Random(seed);
        var x = Enumerable.Range(0, batch * net.InputSize).Select(_ => T.CreateTruncating(random.NextDouble() * 2 - 1)).ToArray();
        var y = Enumerable.Range(0, batch * net.OutputSize).Select(_ => T.CreateTruncating(random.NextDouble())).ToArray();
        return (x, y);
    }
}
