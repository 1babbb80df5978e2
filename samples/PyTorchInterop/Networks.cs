using System;
using SkipNet;

namespace PyTorchInterop;

// Every activation, both skip kinds (also from the input), and two losses: what the round trip must carry.

[Residual(Inputs = 5, Loss = Loss.CrossEntropy)]
[Dense("h0", 8, Activation.GELU)]
[Dense("h1", 8, Activation.SiLU)]
[Dense("h2", 6, Activation.Tanh)]
[Dense("h3", 6, Activation.LeakyReLU, Alpha = 0.2)]
[Dense("h4", 6, Activation.Softplus)]
[Dense("y", 3)]
[Skip("x", "h1", SkipKind.Weighted)]
[Skip("h0", "h1")]
[Skip("h2", "h4")]
[Skip("h1", "y", SkipKind.Weighted)]
public partial class Classifier;

[Residual(Inputs = 4, Loss = Loss.Huber, HuberDelta = 0.5)]
[Dense("a", 7, Activation.ReLU)]
[Dense("b", 7, Activation.Sigmoid)]
[Dense("c", 2)]
[Skip("a", "c", SkipKind.Weighted)]
[Skip("x", "b", SkipKind.Weighted)]
public partial class Regressor;

// The classifier in float, for the ONNX export (GELU composed from Erf below opset 20).
[Residual(Inputs = 5, Loss = Loss.CrossEntropy, Precision = Precision.Single)]
[Dense("h0", 8, Activation.GELU)]
[Dense("h1", 8, Activation.SiLU)]
[Dense("h2", 6, Activation.Tanh)]
[Dense("h3", 6, Activation.LeakyReLU, Alpha = 0.2)]
[Dense("h4", 6, Activation.Softplus)]
[Dense("y", 3)]
[Skip("x", "h1", SkipKind.Weighted)]
[Skip("h0", "h1")]
[Skip("h2", "h4")]
[Skip("h1", "y", SkipKind.Weighted)]
public partial class ClassifierSingle;

// LayerNorm, Dropout and BatchNorm: the masks SkipNet draws are handed to PyTorch; the running statistics compared.
[Residual(Inputs = 5, Loss = Loss.MSE)]
[Dense("h0", 8, Activation.GELU)]
[LayerNorm("n1", Epsilon = 1e-3)]
[Dense("h1", 8, Activation.ReLU)]
[Dropout("d1", 0.25)]
[Dense("h2", 8)]
[Skip("h0", "h2")]
[LayerNorm("n2", Activation.Tanh)]
[Dropout("d2", 0.5)]
[Dense("h3", 8)]
[BatchNorm("bn3", Activation.SiLU, Momentum = 0.3)]
[Dense("y", 2)]
[Skip("x", "n2", SkipKind.Weighted)]
[Skip("n2", "bn3")]
public partial class Normed;

// Images (NCHW): convolutions with padding and stride, BatchNorm2d, both pools, an identity skip
// between images, a 1×1 projection of stride 2, LayerNorm over a whole image, global average pooling,
// dropout and a Dense head: nn.Conv2d, nn.BatchNorm2d, nn.MaxPool2d, nn.AvgPool2d, nn.LayerNorm([C, H, W]).
[Residual(InputShape = new[] { 2, 8, 8 }, Loss = Loss.CrossEntropy)]
[Conv2D("c0", 4, 3, Padding = 1)]
[BatchNorm("bn0", Activation.ReLU, Momentum = 0.3)]
[Conv2D("c1", 4, 3, Activation.GELU, Padding = 1)]
[Skip("bn0", "c1")]
[MaxPool2D("p1", 2)]
[Conv2D("c2", 6, 3, Stride = 2, Padding = 1)]
[LayerNorm("n2", Activation.Tanh)]
[Skip("p1", "n2", SkipKind.Weighted)]
[AvgPool2D("p3", 2, Stride = 1)]
[GlobalAvgPool2D("gap")]
[Dropout("d", 0.2)]
[Dense("y", 3)]
public partial class Imaged;

// [Differentiable] activations using every operation of the grammar and a loss of one's own
// (log-cosh): ToPyTorch writes them as torch operations, whose autograd must give SkipNet's gradients.
[Residual(Inputs = 3, LossFunction = nameof(LogCosh))]
[Dense("h0", 6, Function = nameof(Waves))]
[Dense("h1", 6, Function = nameof(Clipped))]
[Dense("h2", 6, Function = nameof(Branches))]
[Dense("y", 2)]
[Skip("h0", "h2")]
[Skip("x", "y", SkipKind.Weighted)]
public partial class Functional
{
    [Differentiable] static double Waves(double z) => Math.Sin(z) * Math.Cos(0.5 * z) + Math.Sinh(z / 4) - Math.Cosh(z / 5) + Math.Abs(z) * 0.1 - -z;

    [Differentiable] static double Clipped(double z) => Math.Max(-1.5, Math.Min(z, 2.0)) + Math.Pow(Math.Abs(z) + 1, 0.5) - Math.Sqrt(z * z + 1);

    [Differentiable]
    static double Branches(double z) => z < -1 ? -z : z <= 0 ? z * z : z > 2 ? Math.Log(z) : z >= 1 ? Math.Exp(-z) : z == 0.5 ? 7 : z != 0.75 ? Math.Tanh(z) : 0;

    [Differentiable] static double LogCosh(double yhat, double y) => Math.Log(Math.Cosh(yhat - y));
}
