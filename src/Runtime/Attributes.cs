using System;

namespace SkipNet;

/// <summary>
/// Marks a <c>partial</c> class as a residual network. The SkipNet generator writes its
/// Forward, Backward and update code from the <see cref="DenseAttribute"/> and
/// <see cref="SkipAttribute"/> declarations on the same class.
/// </summary>
/// <example>
/// <code>
/// [Residual(Inputs = 1, Loss = Loss.L1)]
/// [Dense("h0", 1, Activation.ReLU)]
/// [Dense("h1", 1, Activation.ReLU)]
/// [Dense("y", 1)]
/// [Skip("h0", "y", SkipKind.Weighted)]
/// public partial class SeedNet { }
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = false)]
public sealed class ResidualAttribute : Attribute
{
    /// <summary>The width of the input vector x: at least 1, and required unless <see cref="InputShape"/> is given (then C·H·W, or omitted).</summary>
    public int Inputs { get; set; }

    /// <summary>
    /// The input as an image, { C, H, W }: C·H·W values per sample in NCHW order (channel, then row,
    /// then column), as image layers (<see cref="Conv2DAttribute"/>, the pools) read it. Null (the
    /// default) for a vector input of <see cref="Inputs"/> values.
    /// </summary>
#pragma warning disable CA1819 // an attribute argument can only be an array
    public int[]? InputShape { get; set; }
#pragma warning restore CA1819

    /// <summary>The training loss (default <see cref="SkipNet.Loss.MSE"/>).</summary>
    public Loss Loss { get; set; } = Loss.MSE;

    /// <summary>The element type of parameters, gradients and arithmetic (default <see cref="SkipNet.Precision.Double"/>).</summary>
    public Precision Precision { get; set; } = Precision.Double;

    /// <summary>Whether the code is unrolled or looped (default <see cref="CodeStyle.Auto"/>).</summary>
    public CodeStyle CodeStyle { get; set; } = CodeStyle.Auto;

    /// <summary>The threshold δ of <see cref="Loss.Huber"/> (default 1): quadratic within δ of the target, linear beyond.</summary>
    public double HuberDelta { get; set; } = 1.0;

    /// <summary>
    /// A loss of your own instead of <see cref="Loss"/>: <c>nameof</c> a <see cref="DifferentiableAttribute"/>
    /// method of the class taking (ŷ, y), applied to each output and averaged over all of them (as
    /// <see cref="Loss.MSE"/> is). Its derivative with respect to ŷ is written at build time.
    /// </summary>
    public string? LossFunction { get; set; }
}

/// <summary>
/// Marks a <c>static</c> method of a network class as a function SkipNet differentiates at build
/// time, for a layer's <c>Function</c> (one parameter) or the network's
/// <see cref="ResidualAttribute.LossFunction"/> (two: ŷ, then y). Its parameters and result are the
/// network's precision (<c>double</c>, or <c>float</c> with <c>MathF</c>); its body uses + − × ÷,
/// unary minus, literals, its parameters, <c>const</c>s and locals, one final <c>return</c>,
/// <c>?:</c> on a comparison, Math's Exp, Log, Sqrt, Pow, Tanh, Sinh, Cosh, Sin, Cos, Abs, Max and
/// Min, and calls to other [Differentiable] methods. At a kink the derivative is that of the branch
/// the value takes.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false, AllowMultiple = false)]
public sealed class DifferentiableAttribute : Attribute
{
}

/// <summary>
/// Declares a dense layer: z = W·h_prev + b (+ skip edges ending here), h = activation(z).
/// Layers run in declaration order; the first reads the input x, the last is the output ŷ.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = true)]
public sealed class DenseAttribute : Attribute
{
    /// <summary>Declares a dense layer.</summary>
    /// <param name="name">The layer's name: letters and digits, starting with a letter, not "x".</param>
    /// <param name="units">The layer's width, at least 1.</param>
    /// <param name="activation">The activation (default <see cref="Activation.Identity"/>).</param>
    public DenseAttribute(string name, int units, Activation activation = Activation.Identity)
    {
        Name = name;
        Units = units;
        Activation = activation;
    }

    /// <summary>The layer's name.</summary>
    public string Name { get; }

    /// <summary>The layer's width.</summary>
    public int Units { get; }

    /// <summary>The layer's activation.</summary>
    public Activation Activation { get; }

    /// <summary>The negative slope of <see cref="Activation.LeakyReLU"/> (default 0.01).</summary>
    public double Alpha { get; set; } = 0.01;

    /// <summary>
    /// An activation of your own instead of the <c>activation</c> argument: <c>nameof</c> a
    /// <see cref="DifferentiableAttribute"/> method of the class taking one value. Its derivative is
    /// written at build time.
    /// </summary>
    public string? Function { get; set; }
}

/// <summary>
/// Declares a layer normalization, PyTorch's <c>nn.LayerNorm</c> over all the features of the
/// previous layer's output: z = γ·(h_prev − μ)/√(σ² + ε) + β (+ skip edges ending here), with μ and
/// the biased variance σ² of each sample's features; h = activation(z). Its width is the previous
/// layer's. Parameters: <c>name.W</c> (γ, starting at 1) and <c>name.b</c> (β, starting at 0).
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = true)]
public sealed class LayerNormAttribute : Attribute
{
    /// <summary>Declares a layer normalization.</summary>
    /// <param name="name">The layer's name: letters and digits, starting with a letter, not "x".</param>
    /// <param name="activation">The activation (default <see cref="Activation.Identity"/>).</param>
    public LayerNormAttribute(string name, Activation activation = Activation.Identity)
    {
        Name = name;
        Activation = activation;
    }

    /// <summary>The layer's name.</summary>
    public string Name { get; }

    /// <summary>The layer's activation.</summary>
    public Activation Activation { get; }

    /// <summary>ε, added to the variance (default 1e-5, PyTorch's); positive and finite.</summary>
    public double Epsilon { get; set; } = 1e-5;

    /// <summary>The negative slope of <see cref="Activation.LeakyReLU"/> (default 0.01).</summary>
    public double Alpha { get; set; } = 0.01;

    /// <summary>
    /// An activation of your own instead of the <c>activation</c> argument: <c>nameof</c> a
    /// <see cref="DifferentiableAttribute"/> method of the class taking one value. Its derivative is
    /// written at build time.
    /// </summary>
    public string? Function { get; set; }
}

/// <summary>
/// Declares a batch normalization, PyTorch's <c>nn.BatchNorm1d</c> over each feature of the previous
/// layer's output (<c>nn.BatchNorm2d</c> over each channel when that is an image): z = γ·(h_prev − μ)/√(σ² + ε) + β (+ skip edges ending here), h = activation(z).
/// Training calls (<c>Backward</c>, <c>TrainStep</c>, the trainer) normalize with the batch's mean and
/// biased variance, taken over the whole batch at once (at least 2 samples), and update the running
/// statistics: running_mean ← (1 − m)·running_mean + m·μ, running_var ← (1 − m)·running_var +
/// m·σ²·n/(n − 1). <c>Forward</c> and <c>Evaluate</c> normalize with the running statistics. Its width is
/// the previous layer's. Parameters: <c>name.W</c> (γ, starting at 1) and <c>name.b</c> (β, at 0);
/// the running statistics are buffers (<c>Buffers</c>), saved with the weights.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = true)]
public sealed class BatchNormAttribute : Attribute
{
    /// <summary>Declares a batch normalization.</summary>
    /// <param name="name">The layer's name: letters and digits, starting with a letter, not "x".</param>
    /// <param name="activation">The activation (default <see cref="Activation.Identity"/>).</param>
    public BatchNormAttribute(string name, Activation activation = Activation.Identity)
    {
        Name = name;
        Activation = activation;
    }

    /// <summary>The layer's name.</summary>
    public string Name { get; }

    /// <summary>The layer's activation.</summary>
    public Activation Activation { get; }

    /// <summary>m, the weight of each batch's statistics in the running ones (default 0.1, PyTorch's); in (0, 1].</summary>
    public double Momentum { get; set; } = 0.1;

    /// <summary>ε, added to the variance (default 1e-5, PyTorch's); positive and finite.</summary>
    public double Epsilon { get; set; } = 1e-5;

    /// <summary>The negative slope of <see cref="Activation.LeakyReLU"/> (default 0.01).</summary>
    public double Alpha { get; set; } = 0.01;

    /// <summary>
    /// An activation of your own instead of the <c>activation</c> argument: <c>nameof</c> a
    /// <see cref="DifferentiableAttribute"/> method of the class taking one value. Its derivative is
    /// written at build time.
    /// </summary>
    public string? Function { get; set; }
}

/// <summary>
/// Declares a dropout layer, PyTorch's <c>nn.Dropout</c>: the identity in <c>Forward</c> and
/// <c>Evaluate</c>; in training calls (<c>Backward</c>, <c>TrainStep</c>, the trainer) each value of
/// the previous layer's output is zeroed with probability p and the others scaled by 1/(1 − p), the
/// same mask forward and backward. The masks come from the network's own generator, seeded with the
/// constructor's seed: the same seed gives the same weights and the same masks. Its width is the
/// previous layer's; it has no parameters and no activation.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = true)]
public sealed class DropoutAttribute : Attribute
{
    /// <summary>Declares a dropout layer.</summary>
    /// <param name="name">The layer's name: letters and digits, starting with a letter, not "x".</param>
    /// <param name="p">The probability of zeroing a value, in [0, 1); 0 is exactly the identity.</param>
    public DropoutAttribute(string name, double p)
    {
        Name = name;
        P = p;
    }

    /// <summary>The layer's name.</summary>
    public string Name { get; }

    /// <summary>The probability of zeroing a value in a training call.</summary>
    public double P { get; }
}

/// <summary>
/// Declares a 2-D convolution over the previous layer's image (or the input's, with
/// <see cref="ResidualAttribute.InputShape"/>), PyTorch's <c>nn.Conv2d</c> with zero padding:
/// z[o, i, j] = b[o] + Σ_c Σ_u Σ_v W[o, c, u, v]·h_prev[c, s·i + u − p, s·j + v − p] (+ skip edges
/// ending here), h = activation(z); the output is channels × H' × W', H' = ⌊(H + 2p − k)/s⌋ + 1.
/// Parameters: <c>name.W</c> (channels × C_in·k·k, PyTorch's <c>weight.view(out, −1)</c>) and <c>name.b</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = true)]
public sealed class Conv2DAttribute : Attribute
{
    /// <summary>Declares a convolution.</summary>
    /// <param name="name">The layer's name: letters and digits, starting with a letter, not "x".</param>
    /// <param name="channels">The number of output channels, at least 1.</param>
    /// <param name="kernelSize">k, the side of the square kernel, at least 1.</param>
    /// <param name="activation">The activation (default <see cref="Activation.Identity"/>).</param>
    public Conv2DAttribute(string name, int channels, int kernelSize, Activation activation = Activation.Identity)
    {
        Name = name;
        Channels = channels;
        KernelSize = kernelSize;
        Activation = activation;
    }

    /// <summary>The layer's name.</summary>
    public string Name { get; }

    /// <summary>The number of output channels.</summary>
    public int Channels { get; }

    /// <summary>The side of the square kernel.</summary>
    public int KernelSize { get; }

    /// <summary>The layer's activation.</summary>
    public Activation Activation { get; }

    /// <summary>The step between windows, in both directions (default 1).</summary>
    public int Stride { get; set; } = 1;

    /// <summary>The zeros added on every side of the image (default 0).</summary>
    public int Padding { get; set; }

    /// <summary>The negative slope of <see cref="Activation.LeakyReLU"/> (default 0.01).</summary>
    public double Alpha { get; set; } = 0.01;

    /// <summary>
    /// An activation of your own instead of the <c>activation</c> argument: <c>nameof</c> a
    /// <see cref="DifferentiableAttribute"/> method of the class taking one value. Its derivative is
    /// written at build time.
    /// </summary>
    public string? Function { get; set; }
}

/// <summary>
/// A pooling over the previous layer's image without padding: each channel's k × k windows,
/// <see cref="Stride"/> apart, give one value each. No parameters, no activation.
/// </summary>
public abstract class Pool2DAttribute : Attribute
{
    /// <summary>Declares a pooling.</summary>
    /// <param name="name">The layer's name: letters and digits, starting with a letter, not "x".</param>
    /// <param name="kernelSize">k, the side of the square window, at least 1.</param>
    protected Pool2DAttribute(string name, int kernelSize)
    {
        Name = name;
        KernelSize = kernelSize;
        Stride = kernelSize;
    }

    /// <summary>The layer's name.</summary>
    public string Name { get; }

    /// <summary>The side of the square window.</summary>
    public int KernelSize { get; }

    /// <summary>The step between windows, in both directions (default the window's side, as PyTorch's).</summary>
    public int Stride { get; set; }
}

/// <summary>
/// Declares max pooling, PyTorch's <c>nn.MaxPool2d</c> without padding: each window gives its maximum,
/// and the gradient goes to the first maximum in row-major order.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = true)]
public sealed class MaxPool2DAttribute : Pool2DAttribute
{
    /// <summary>Declares max pooling.</summary>
    /// <param name="name">The layer's name: letters and digits, starting with a letter, not "x".</param>
    /// <param name="kernelSize">k, the side of the square window, at least 1.</param>
    public MaxPool2DAttribute(string name, int kernelSize)
        : base(name, kernelSize)
    {
    }
}

/// <summary>Declares average pooling, PyTorch's <c>nn.AvgPool2d</c> without padding: each window gives its mean.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = true)]
public sealed class AvgPool2DAttribute : Pool2DAttribute
{
    /// <summary>Declares average pooling.</summary>
    /// <param name="name">The layer's name: letters and digits, starting with a letter, not "x".</param>
    /// <param name="kernelSize">k, the side of the square window, at least 1.</param>
    public AvgPool2DAttribute(string name, int kernelSize)
        : base(name, kernelSize)
    {
    }
}

/// <summary>
/// Declares global average pooling over the previous layer's image: each channel's mean,
/// [C, H, W] → [C], a vector (PyTorch's <c>nn.AdaptiveAvgPool2d(1)</c> then <c>nn.Flatten</c>).
/// No parameters, no activation.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = true)]
public sealed class GlobalAvgPool2DAttribute : Attribute
{
    /// <summary>Declares global average pooling.</summary>
    /// <param name="name">The layer's name: letters and digits, starting with a letter, not "x".</param>
    public GlobalAvgPool2DAttribute(string name) => Name = name;

    /// <summary>The layer's name.</summary>
    public string Name { get; }
}

/// <summary>
/// Declares a skip edge that adds the activation of <c>from</c> (a layer, or "x" for the input)
/// into the pre-activation of the later layer <c>to</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = true)]
public sealed class SkipAttribute : Attribute
{
    /// <summary>Declares a skip edge.</summary>
    /// <param name="from">The source: a declared layer, or "x" for the input.</param>
    /// <param name="to">The target: a layer declared after <paramref name="from"/>.</param>
    /// <param name="kind">Identity (adds h_from) or Weighted (adds S·h_from); default Identity.</param>
    public SkipAttribute(string from, string to, SkipKind kind = SkipKind.Identity)
    {
        From = from;
        To = to;
        Kind = kind;
    }

    /// <summary>The source layer, or "x".</summary>
    public string From { get; }

    /// <summary>The target layer.</summary>
    public string To { get; }

    /// <summary>Identity or weighted.</summary>
    public SkipKind Kind { get; }
}
