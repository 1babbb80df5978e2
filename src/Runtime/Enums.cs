namespace SkipNet;

/// <summary>The activation a dense layer applies to its pre-activation z.</summary>
/// <remarks>Derivatives follow <see href="https://github.com/skipnet/skipnet/blob/main/docs/conventions.md">docs/conventions.md</see>; ReLU's derivative at exactly 0 is 1.</remarks>
public enum Activation
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
}

/// <summary>The training loss, reduced by the mean over every element of the batch.</summary>
public enum Loss
{
    /// <summary>Mean absolute error: (1/N) Σ |y − ŷ|; dL/dŷ = sign(ŷ − y)/N with sign(0) = 0.</summary>
    L1 = 0,

    /// <summary>Mean squared error: (1/N) Σ (y − ŷ)²; dL/dŷ = 2(ŷ − y)/N.</summary>
    MSE = 1,
}

/// <summary>How a skip edge adds the source layer's activation into the target's pre-activation.</summary>
public enum SkipKind
{
    /// <summary>Adds h_from itself; both layers must have the same width.</summary>
    Identity = 0,

    /// <summary>Adds S·h_from, with S a learned matrix of shape width_to × width_from.</summary>
    Weighted = 1,
}

/// <summary>The element type the generated network stores and computes in.</summary>
public enum Precision
{
    /// <summary>64-bit <see cref="double"/> (the default).</summary>
    Double = 0,

    /// <summary>32-bit <see cref="float"/>, throughout: parameters, gradients, buffers and arithmetic.</summary>
    Single = 1,
}

/// <summary>How the generator writes the network's code.</summary>
public enum CodeStyle
{
    /// <summary>Unrolled when every layer (and the input) has at most 8 units, looped otherwise.</summary>
    Auto = 0,

    /// <summary>Straight-line code: one scalar local per unit, one statement per equation.</summary>
    Unrolled = 1,

    /// <summary>Loops over spans, one kernel call per matrix or vector operation.</summary>
    Looped = 2,
}
