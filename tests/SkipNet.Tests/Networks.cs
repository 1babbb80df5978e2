using SkipNet;

namespace SkipNet.Tests;

// The seed exercise in every form the generator writes: double and float, unrolled and looped.

[Residual(Inputs = 1, Loss = Loss.L1)]
[Dense("h0", 1, Activation.ReLU)]
[Dense("h1", 1, Activation.ReLU)]
[Dense("y", 1)]
[Skip("h0", "y", SkipKind.Weighted)]
public partial class SeedNet;

[Residual(Inputs = 1, Loss = Loss.L1, Precision = Precision.Single)]
[Dense("h0", 1, Activation.ReLU)]
[Dense("h1", 1, Activation.ReLU)]
[Dense("y", 1)]
[Skip("h0", "y", SkipKind.Weighted)]
public partial class SeedNetSingle;

[Residual(Inputs = 1, Loss = Loss.L1, CodeStyle = CodeStyle.Looped)]
[Dense("h0", 1, Activation.ReLU)]
[Dense("h1", 1, Activation.ReLU)]
[Dense("y", 1)]
[Skip("h0", "y", SkipKind.Weighted)]
public partial class SeedNetLooped;

[Residual(Inputs = 1, Loss = Loss.L1, Precision = Precision.Single, CodeStyle = CodeStyle.Looped)]
[Dense("h0", 1, Activation.ReLU)]
[Dense("h1", 1, Activation.ReLU)]
[Dense("y", 1)]
[Skip("h0", "y", SkipKind.Weighted)]
public partial class SeedNetSingleLooped;

// A small network with every feature, in both styles, to compare the two code paths.

[Residual(Inputs = 3, Loss = Loss.MSE, CodeStyle = CodeStyle.Unrolled)]
[Dense("a", 4, Activation.Tanh)]
[Dense("b", 4, Activation.LeakyReLU, Alpha = 0.1)]
[Dense("c", 3, Activation.Sigmoid)]
[Dense("o", 2)]
[Skip("x", "c")]
[Skip("a", "b")]
[Skip("a", "o", SkipKind.Weighted)]
public partial class MixedUnrolled;

[Residual(Inputs = 3, Loss = Loss.MSE, CodeStyle = CodeStyle.Looped)]
[Dense("a", 4, Activation.Tanh)]
[Dense("b", 4, Activation.LeakyReLU, Alpha = 0.1)]
[Dense("c", 3, Activation.Sigmoid)]
[Dense("o", 2)]
[Skip("x", "c")]
[Skip("a", "b")]
[Skip("a", "o", SkipKind.Weighted)]
public partial class MixedLooped;

// Wide enough that CodeStyle.Auto picks loops.

[Residual(Inputs = 32, Loss = Loss.MSE)]
[Dense("h0", 64, Activation.ReLU)]
[Dense("h1", 64, Activation.ReLU)]
[Dense("h2", 64, Activation.ReLU)]
[Dense("y", 4)]
[Skip("h0", "h2")]
[Skip("x", "y", SkipKind.Weighted)]
public partial class WideNet;

[Residual(Inputs = 32, Loss = Loss.L1, Precision = Precision.Single)]
[Dense("h0", 64, Activation.ReLU)]
[Dense("h1", 64, Activation.Tanh)]
[Dense("y", 4)]
[Skip("h0", "h1")]
public partial class WideNetSingle;

// A warning silenced the usual way: this project treats warnings as errors, so it builds only if
// #pragma warning applies to SkipNet's diagnostics.
[Residual(Inputs = 2, Loss = Loss.MSE)]
#pragma warning disable SKIP018 // Alpha has no effect on Tanh
[Dense("h", 3, Activation.Tanh, Alpha = 0.2)]
#pragma warning restore SKIP018
[Dense("y", 1)]
public partial class PragmaNet;

[Residual(Inputs = 3, Loss = Loss.MSE, Precision = Precision.Single)]
[Dense("a", 4, Activation.Tanh)]
[Dense("b", 4, Activation.Sigmoid)]
[Dense("o", 2)]
[Skip("a", "o", SkipKind.Weighted)]
public partial class MixedSingle;

// Shapes a user may give a network: a record (copied with `with`) and a class with a primary
// constructor (SkipNet then writes no constructors; Initialize draws other weights).

[Residual(Inputs = 3, Loss = Loss.MSE, CodeStyle = CodeStyle.Looped)]
[Dense("a", 4, Activation.Tanh)]
[Dense("o", 2)]
[Skip("x", "o", SkipKind.Weighted)]
public partial record RecordNet(string Name)
{
    public int Uses { get; set; }
}

[Residual(Inputs = 3, Loss = Loss.MSE)]
[Dense("a", 4, Activation.Tanh)]
[Dense("o", 2)]
[Skip("x", "o", SkipKind.Weighted)]
public partial class PrimaryNet(string name)
{
    public string Name => name;
}

// A wide input and a one-unit output that reads it: Explain summarises both.
[Residual(Inputs = 1024, Loss = Loss.MSE)]
[Dense("h", 3, Activation.Tanh)]
[Dense("y", 1)]
[Skip("x", "y", SkipKind.Weighted)]
public partial class WideInputNet;

// Classification and the modern activations, in both styles.

[Residual(Inputs = 4, Loss = Loss.CrossEntropy, CodeStyle = CodeStyle.Unrolled)]
[Dense("h0", 5, Activation.GELU)]
[Dense("h1", 5, Activation.SiLU)]
[Dense("y", 3)]
[Skip("h0", "h1")]
public partial class ClassifierUnrolled;

[Residual(Inputs = 4, Loss = Loss.CrossEntropy, CodeStyle = CodeStyle.Looped)]
[Dense("h0", 5, Activation.GELU)]
[Dense("h1", 5, Activation.SiLU)]
[Dense("y", 3)]
[Skip("h0", "h1")]
public partial class ClassifierLooped;

[Residual(Inputs = 4, Loss = Loss.CrossEntropy, Precision = Precision.Single, CodeStyle = CodeStyle.Looped)]
[Dense("h0", 5, Activation.GELU)]
[Dense("h1", 5, Activation.SiLU)]
[Dense("y", 3)]
[Skip("h0", "h1")]
public partial class ClassifierSingle;

[Residual(Inputs = 3, Loss = Loss.BinaryCrossEntropy)]
[Dense("h", 4, Activation.Softplus)]
[Dense("y", 2)]
public partial class BinaryNet;

// One yes/no output: a binary classifier on a logit.
[Residual(Inputs = 3, Loss = Loss.BinaryCrossEntropy, Precision = Precision.Single)]
[Dense("h", 4, Activation.Tanh)]
[Dense("y", 1)]
public partial class YesNoNet;

[Residual(Inputs = 3, Loss = Loss.Huber, HuberDelta = 0.5, CodeStyle = CodeStyle.Looped)]
[Dense("h", 4, Activation.Softplus)]
[Dense("y", 2)]
public partial class HuberNet;

// Three classes in the plane, for the trainer.
[Residual(Inputs = 2, Loss = Loss.CrossEntropy)]
[Dense("h0", 16, Activation.GELU)]
[Dense("h1", 16, Activation.GELU)]
[Dense("y", 3)]
[Skip("h0", "h1")]
public partial class ThreeClassNet;


// Layer names that are Python keywords: the PyTorch module registers them with add_module.
[Residual(Inputs = 2, Loss = Loss.Huber, HuberDelta = 0.5)]
[Dense("lambda", 3, Activation.Softplus)]
[Dense("None", 3, Activation.LeakyReLU, Alpha = 0.2)]
[Dense("pass", 2)]
[Skip("lambda", "pass", SkipKind.Weighted)]
[Skip("x", "None", SkipKind.Weighted)]
[Skip("lambda", "None")]
public partial class PythonKeywordNet;

// Float twins of the Huber and multi-label networks, for the classification helpers on every loss.
[Residual(Inputs = 3, Loss = Loss.Huber, HuberDelta = 0.5, Precision = Precision.Single)]
[Dense("h", 4, Activation.Softplus)]
[Dense("y", 2)]
public partial class HuberSingle;

[Residual(Inputs = 3, Loss = Loss.BinaryCrossEntropy, Precision = Precision.Single, CodeStyle = CodeStyle.Looped)]
[Dense("h", 4, Activation.SiLU)]
[Dense("y", 3)]
public partial class MultiLabelSingle;

[Residual(Inputs = 4, Loss = Loss.CrossEntropy, Precision = Precision.Single, CodeStyle = CodeStyle.Unrolled)]
[Dense("h0", 5, Activation.GELU)]
[Dense("h1", 5, Activation.SiLU)]
[Dense("y", 3)]
[Skip("h0", "h1")]
public partial class ClassifierSingleUnrolled;

// The Fashion-MNIST sample's network, for results across batch sizes.
[Residual(Inputs = 784, Loss = Loss.CrossEntropy, Precision = Precision.Single)]
[Dense("h0", 256, Activation.GELU)]
[Dense("h1", 256, Activation.GELU)]
[Dense("y", 10)]
[Skip("h0", "h1")]
public partial class FashionLike;

// A pre-norm residual MLP with LayerNorm and Dropout (looped code), in double and float.

[Residual(Inputs = 6, Loss = Loss.CrossEntropy)]
[Dense("h0", 24, Activation.GELU)]
[LayerNorm("n1")]
[Dense("h1", 24, Activation.ReLU)]
[Dropout("d1", 0.25)]
[Dense("h2", 24)]
[Skip("h0", "h2")]
[LayerNorm("n2", Activation.SiLU, Epsilon = 1e-3)]
[Dropout("d2", 0.1)]
[Dense("y", 3)]
public partial class NormNet;

[Residual(Inputs = 6, Loss = Loss.CrossEntropy, Precision = Precision.Single)]
[Dense("h0", 24, Activation.GELU)]
[LayerNorm("n1")]
[Dense("h1", 24, Activation.ReLU)]
[Dropout("d1", 0.25)]
[Dense("h2", 24)]
[Skip("h0", "h2")]
[LayerNorm("n2", Activation.SiLU, Epsilon = 1e-3)]
[Dropout("d2", 0.1)]
[Dense("y", 3)]
public partial class NormNetSingle;

// Dropout alone, wide enough to count: the mask's statistics and p = 0 exactly.

[Residual(Inputs = 1000, Loss = Loss.MSE)]
[Dropout("d", 0.3)]
public partial class DropoutOnly;

[Residual(Inputs = 50, Loss = Loss.MSE)]
[Dropout("d", 0)]
public partial class DropoutZero;

// Dropout before a linear output: dL/dW_i = 2·ŷ·m_i·x_i shows each mask entry.

[Residual(Inputs = 1000, Loss = Loss.MSE)]
[Dropout("d", 0.3)]
[Dense("y", 1)]
public partial class DropoutProbe;

// LayerNorm alone: Forward is nn.LayerNorm itself.

[Residual(Inputs = 24, Loss = Loss.MSE)]
[LayerNorm("n", Epsilon = 1e-3)]
public partial class LayerNormOnly;

// BatchNorm alone: Backward and Forward are nn.BatchNorm1d's train and eval modes themselves.

[Residual(Inputs = 5, Loss = Loss.MSE)]
[BatchNorm("bn", Momentum = 0.2, Epsilon = 1e-3)]
public partial class BatchNormOnly;

// A residual MLP with BatchNorm, in float: the trainer's and the checkpoints' view of the buffers.

[Residual(Inputs = 6, Loss = Loss.CrossEntropy, Precision = Precision.Single)]
[Dense("h0", 16)]
[BatchNorm("bn0", Activation.ReLU)]
[Dense("h1", 16)]
[BatchNorm("bn1", Activation.ReLU)]
[Skip("bn0", "bn1")]
[Dense("y", 3)]
public partial class BatchNormNet;

// A small convolutional residual network on 1×8×8 images: convolutions with stride and padding,
// BatchNorm2d, both pools, an identity skip between images and a weighted (1×1 convolution) one
// that halves H and W, global average pooling and a Dense head.

[Residual(InputShape = new[] { 1, 8, 8 }, Loss = Loss.CrossEntropy)]
[Conv2D("c0", 4, 3, Padding = 1)]
[BatchNorm("bn0", Activation.ReLU)]
[Conv2D("c1", 4, 3, Activation.ReLU, Padding = 1)]
[Skip("bn0", "c1")]
[MaxPool2D("p1", 2)]
[Conv2D("c2", 6, 3, Activation.Tanh, Padding = 1)]
[Skip("bn0", "c2", SkipKind.Weighted)]
[AvgPool2D("p2", 2)]
[GlobalAvgPool2D("gap")]
[Dense("y", 3)]
public partial class TinyResNet;

// Convolutions without normalization (Explain and GradientCheck's one-sample view), a stride-2
// convolution straight on x, and Dense flattening an image.

[Residual(InputShape = new[] { 2, 6, 6 }, Inputs = 72)]
[Conv2D("c0", 3, 3, Activation.GELU, Stride = 2, Padding = 1)]
[Conv2D("c1", 3, 2, Activation.ReLU)]
[Skip("x", "c0", SkipKind.Weighted)]
[Dense("y", 2)]
public partial class ConvNet;

// [Differentiable] functions in looped code, float: a Mish activation, one on a convolution, and a
// pinball loss.

[Residual(InputShape = new[] { 1, 4, 4 }, LossFunction = nameof(Pinball), CodeStyle = CodeStyle.Looped, Precision = Precision.Single)]
[Conv2D("c0", 2, 3, Padding = 1, Function = nameof(Mish))]
[Dense("h0", 12, Function = nameof(Mish))]
[Dense("y", 2)]
public partial class FunctionNet
{
    [Differentiable]
    private static float Mish(float x) => x * MathF.Tanh(MathF.Log(1 + MathF.Exp(x)));

    [Differentiable]
    private static float Pinball(float yhat, float y)
    {
        const float tau = 0.3f;
        float r = y - yhat;
        return r >= 0 ? tau * r : (tau - 1) * r;
    }
}
