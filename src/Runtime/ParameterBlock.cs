using System;

namespace SkipNet;

/// <summary>
/// One named block of a network's parameter vector (a weight matrix, a bias vector or a skip
/// matrix). Matrices are row-major: entry [r, c] is at <c>Offset + r·Cols + c</c>. Gradients use
/// the same layout.
/// </summary>
/// <param name="Name">"h0.W", "h0.b" or "h0->y.S", after the declared layer names.</param>
/// <param name="Offset">Index of the block's first element in the parameter vector.</param>
/// <param name="Rows">Number of rows (the target layer's width).</param>
/// <param name="Cols">Number of columns (the source width; 1 for a bias).</param>
public sealed record ParameterBlock(string Name, int Offset, int Rows, int Cols)
{
    /// <summary>Number of elements: <c>Rows·Cols</c>.</summary>
    public int Length => Rows * Cols;

    /// <summary>
    /// The block's name in the equivalent PyTorch module's <c>state_dict</c>
    /// (<see cref="NetworkArchitecture.ToPyTorch"/>): "h0.weight", "h0.bias", and "a_to_b.weight" for a
    /// weighted skip from a to b. Distinct for distinct blocks, since layer names have no underscore.
    /// </summary>
    public string PyTorchName
    {
        get
        {
            int dot = Name.LastIndexOf('.');
            string owner = Name[..dot];
            return Name[(dot + 1)..] switch
            {
                "b" => owner + ".bias",
                "S" => owner.Replace("->", "_to_", StringComparison.Ordinal) + ".weight",
                _ => owner + ".weight",
            };
        }
    }

    /// <summary>The block's elements within a parameter or gradient vector.</summary>
    /// <exception cref="ArgumentException">The vector is too short to hold this block.</exception>
    public Span<T> Of<T>(Span<T> vector) => vector.Slice(CheckedOffset(vector.Length), Length);

    /// <summary>The block's elements within a parameter or gradient vector.</summary>
    /// <exception cref="ArgumentException">The vector is too short to hold this block.</exception>
    public ReadOnlySpan<T> Of<T>(ReadOnlySpan<T> vector) => vector.Slice(CheckedOffset(vector.Length), Length);

    private int CheckedOffset(int vectorLength)
    {
        if (vectorLength < Offset + Length)
        {
            throw new ArgumentException(
                $"Block '{Name}' needs a vector of at least {Offset + Length} elements; the vector has {vectorLength}.",
                "vector");
        }

        return Offset;
    }
}
