// This file is compiled twice, like Enums.cs: into the runtime and, linked, into the generator. It
// holds the facts about an activation that the generated code and the runtime must agree on, so
// that they cannot disagree: how its weights are drawn and what its derivative reads.
using System;

#if SKIPNET_GENERATOR
namespace SkipNet.Generator.Model;
#else
namespace SkipNet;
#endif

/// <summary>What an activation's derivative is computed from, as the generated code computes it.</summary>
internal enum DerivativeOperand
{
    /// <summary>Nothing: the derivative is 1 (Identity).</summary>
    None,

    /// <summary>The pre-activation z (the ReLU family, GELU, SiLU, Softplus).</summary>
    Z,

    /// <summary>The activation h (tanh and σ: 1 − h², h·(1 − h)).</summary>
    H,
}

/// <summary>The facts about each activation that the generator and the runtime share.</summary>
internal static class ActivationFacts
{
    /// <summary>He uniform for the matrices into the layer (the ReLU family and its smooth cousins), else Glorot uniform (docs/conventions.md, Initialization).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A member without an entry: add it here.</exception>
    public static bool He(Activation activation) => activation switch
    {
        Activation.Identity or Activation.Tanh or Activation.Sigmoid => false,
        Activation.ReLU or Activation.LeakyReLU or Activation.GELU or Activation.SiLU or Activation.Softplus => true,
        _ => throw Missing(activation),
    };

    /// <summary>What f′ is computed from: z, or h where that is cheaper (tanh, σ).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A member without an entry: add it here.</exception>
    public static DerivativeOperand Reads(Activation activation) => activation switch
    {
        Activation.Identity => DerivativeOperand.None,
        Activation.Tanh or Activation.Sigmoid => DerivativeOperand.H,
        Activation.ReLU or Activation.LeakyReLU or Activation.GELU or Activation.SiLU or Activation.Softplus => DerivativeOperand.Z,
        _ => throw Missing(activation),
    };

    private static ArgumentOutOfRangeException Missing(Activation activation) =>
        new(nameof(activation), activation, $"Activation.{activation} has no entry in ActivationFacts: add one (see CONTRIBUTING.md).");
}
