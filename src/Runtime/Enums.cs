// This file is compiled twice: into the runtime (public, namespace SkipNet) and, linked, into the
// generator (internal, namespace SkipNet.Generator.Model), which reads attribute arguments as these
// values. One source, so the two cannot drift apart: a member added here exists in both.
#if SKIPNET_GENERATOR
namespace SkipNet.Generator.Model;
#else
namespace SkipNet;
#endif

/// <summary>The activation a dense layer applies to its pre-activation z.</summary>
/// <remarks>Derivatives follow <see href="https://github.com/skipnet/skipnet/blob/main/docs/conventions.md">docs/conventions.md</see>; ReLU's derivative at exactly 0 is 1.</remarks>
#if SKIPNET_GENERATOR
internal
#else
public
#endif
enum Activation
{
    /// <summary>f(z) = z.</summary>
    Identity = 0,

    /// <summary>f(z) = z for z ≥ 0, else 0; f'(z) = 1 for z ≥ 0, else 0.</summary>
    ReLU = 1,

    /// <summary>f(z) = z for z ≥ 0, else α·z; f'(z) = 1 for z ≥ 0, else α (α from <see cref="DenseAttribute.Alpha"/>).</summary>
    LeakyReLU = 2,

    /// <summary>f(z) = tanh z; f'(z) = 1 − tanh² z.</summary>
    Tanh = 3,

    /// <summary>f(z) = 1 / (1 + e^−z); f'(z) = σ(z)·(1 − σ(z)).</summary>
    Sigmoid = 4,

    /// <summary>
    /// The exact GELU, PyTorch's default: f(z) = z·Φ(z) = ½·z·(1 + erf(z/√2)); f'(z) = Φ(z) + z·φ(z),
    /// φ(z) = e^(−z²/2)/√(2π). Computed in the network's type, as PyTorch does: in double with
    /// <see cref="SpecialFunctions.Erf"/> (within one ulp), in float with a float erf faithfully rounded.
    /// </summary>
    GELU = 5,

    /// <summary>SiLU (swish): f(z) = z·σ(z); f'(z) = σ(z)·(1 + z·(1 − σ(z))).</summary>
    SiLU = 6,

    /// <summary>PyTorch's Softplus (β = 1, threshold 20): f(z) = ln(1 + e^z), or z itself when z &gt; 20; f'(z) = σ(z), or 1 when z &gt; 20.</summary>
    Softplus = 7,
}

/// <summary>
/// The training loss. The mean is over every element of the batch (N = batch size × output width),
/// except for <see cref="CrossEntropy"/>, whose mean is over the samples, as PyTorch's.
/// </summary>
#if SKIPNET_GENERATOR
internal
#else
public
#endif
enum Loss
{
    /// <summary>Mean absolute error: (1/N) Σ |y − ŷ|; dL/dŷ = sign(ŷ − y)/N with sign(0) = 0.</summary>
    L1 = 0,

    /// <summary>Mean squared error: (1/N) Σ (y − ŷ)²; dL/dŷ = 2(ŷ − y)/N.</summary>
    MSE = 1,

    /// <summary>
    /// Softmax cross-entropy on logits, PyTorch's <c>cross_entropy</c> with class-probability targets:
    /// L = (1/B) Σ_b [−Σ_c y_bc·log softmax(ŷ_b)_c], the mean over the B samples (not the elements);
    /// dL/dŷ_bc = (softmax(ŷ_b)_c·Σ_c' y_bc' − y_bc)/B, which is (p − y)/B for rows that sum to 1. The
    /// output layer is Identity (its values are the logits) and at least 2 wide.
    /// </summary>
    CrossEntropy = 2,

    /// <summary>
    /// Binary cross-entropy on logits, PyTorch's <c>binary_cross_entropy_with_logits</c>: one independent
    /// sigmoid per output, L = (1/N) Σ [max(ŷ, 0) − ŷ·y + ln(1 + e^−|ŷ|)]; dL/dŷ = (σ(ŷ) − y)/N. Targets in [0, 1].
    /// </summary>
    BinaryCrossEntropy = 3,

    /// <summary>
    /// Huber loss with threshold δ (<see cref="ResidualAttribute.HuberDelta"/>, default 1): h(d) = ½d² where
    /// |d| &lt; δ, else δ(|d| − ½δ), d = ŷ − y; L = (1/N) Σ h; dL/dŷ = d/N inside, δ·sign(d)/N outside.
    /// </summary>
    Huber = 4,
}

/// <summary>How a skip edge adds the source layer's activation into the target's pre-activation.</summary>
#if SKIPNET_GENERATOR
internal
#else
public
#endif
enum SkipKind
{
    /// <summary>Adds h_from itself; both layers must have the same width.</summary>
    Identity = 0,

    /// <summary>Adds S·h_from, with S a learned matrix of shape width_to × width_from.</summary>
    Weighted = 1,
}

/// <summary>The element type the generated network stores and computes in.</summary>
#if SKIPNET_GENERATOR
internal
#else
public
#endif
enum Precision
{
    /// <summary>64-bit <see cref="double"/> (the default).</summary>
    Double = 0,

    /// <summary>32-bit <see cref="float"/>, throughout: parameters, gradients, buffers and arithmetic.</summary>
    Single = 1,
}

/// <summary>How the generator writes the network's code.</summary>
#if SKIPNET_GENERATOR
internal
#else
public
#endif
enum CodeStyle
{
    /// <summary>Unrolled when every layer (and the input) has at most 8 units, looped otherwise.</summary>
    Auto = 0,

    /// <summary>Straight-line code: one scalar local per unit, one statement per equation.</summary>
    Unrolled = 1,

    /// <summary>Loops over spans, one kernel call per matrix or vector operation.</summary>
    Looped = 2,
}

/// <summary>What a layer computes from the previous layer's output, before skips are added and its activation applied.</summary>
#if SKIPNET_GENERATOR
internal
#else
public
#endif
enum LayerKind
{
    /// <summary><see cref="DenseAttribute"/>: W·h_prev + b.</summary>
    Dense = 0,

    /// <summary><see cref="LayerNormAttribute"/>: γ·(h_prev − μ)/√(σ² + ε) + β over each sample's features (PyTorch's <c>nn.LayerNorm</c>).</summary>
    LayerNorm = 1,

    /// <summary><see cref="DropoutAttribute"/>: h_prev in Forward and Evaluate; in training calls each value zeroed with probability p, the rest scaled by 1/(1 − p) (PyTorch's <c>nn.Dropout</c>).</summary>
    Dropout = 2,

    /// <summary>
    /// <see cref="BatchNormAttribute"/>: γ·(h_prev − μ)/√(σ² + ε) + β per feature, with the batch's mean and
    /// biased variance in training calls (which update the running statistics) and the running
    /// statistics in Forward and Evaluate (PyTorch's <c>nn.BatchNorm1d</c>).
    /// </summary>
    BatchNorm = 3,

    /// <summary>
    /// <see cref="Conv2DAttribute"/>: b[o] + Σ W[o, c, u, v]·h_prev[c, s·i + u − p, s·j + v − p] over
    /// an image (PyTorch's <c>nn.Conv2d</c> with zero padding).
    /// </summary>
    Conv2D = 4,

    /// <summary><see cref="MaxPool2DAttribute"/>: the maximum of each k × k window of each channel (PyTorch's <c>nn.MaxPool2d</c>).</summary>
    MaxPool2D = 5,

    /// <summary><see cref="AvgPool2DAttribute"/>: the mean of each k × k window of each channel (PyTorch's <c>nn.AvgPool2d</c>).</summary>
    AvgPool2D = 6,

    /// <summary><see cref="GlobalAvgPool2DAttribute"/>: the mean of each channel over the image, [C, H, W] → [C] (PyTorch's <c>nn.AdaptiveAvgPool2d(1)</c> then <c>nn.Flatten</c>).</summary>
    GlobalAvgPool2D = 7,
}
