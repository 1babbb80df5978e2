using System;
using System.Collections.Generic;
using System.Numerics;

namespace SkipNet;

/// <summary>
/// Where a NaN or an infinity sits: in the parameters or the gradients (with the block and its
/// row and column), or at an index of an input span.
/// </summary>
/// <param name="Vector">"parameter", "gradient", or the name of the checked span.</param>
/// <param name="Block">The block's name ("h1.W"), or null for a plain span.</param>
/// <param name="Index">Index in the vector or span.</param>
/// <param name="Row">Row within the block (0 for a plain span).</param>
/// <param name="Col">Column within the block (the index for a plain span).</param>
/// <param name="Value">The value, as a double.</param>
public sealed record NonFiniteValue(string Vector, string? Block, int Index, int Row, int Col, double Value)
{
    /// <summary>"parameter h1.W[2, 0] is NaN (index 17)".</summary>
    public override string ToString() =>
        Block is null ? $"{Vector}[{Index}] is {Value}" : $"{Vector} {Block}[{Row}, {Col}] is {Value} (index {Index})";
}

/// <summary>
/// An opt-in check for NaN and infinity. The generated code does not check for them: they flow
/// through the arithmetic as IEEE 754 says, except that ReLU maps NaN to 0 and passes no gradient
/// back through it, which can hide a NaN upstream. Call these after a step when that matters.
/// </summary>
public static class NonFinite
{
    /// <summary>The first non-finite parameter, or else the first non-finite gradient, or null.</summary>
    public static NonFiniteValue? Find<T>(IResidualNetwork<T> network) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        return Find(network.Parameters, network.Blocks, "parameter") ?? Find(network.Gradients, network.Blocks, "gradient");
    }

    /// <summary>The first non-finite entry of a vector laid out as <paramref name="blocks"/>, or null.</summary>
    public static NonFiniteValue? Find<T>(ReadOnlySpan<T> vector, IReadOnlyList<ParameterBlock> blocks, string vectorName) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(blocks);
        int index = IndexOf(vector);
        if (index < 0)
        {
            return null;
        }

        foreach (var block in blocks)
        {
            if (index >= block.Offset && index < block.Offset + block.Length)
            {
                int within = index - block.Offset;
                return new NonFiniteValue(vectorName, block.Name, index, within / block.Cols, within % block.Cols, double.CreateChecked(vector[index]));
            }
        }

        return new NonFiniteValue(vectorName, null, index, 0, index, double.CreateChecked(vector[index]));
    }

    /// <summary>The index of the first NaN or infinity in <paramref name="values"/>, or −1.</summary>
    public static int IndexOf<T>(ReadOnlySpan<T> values) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!T.IsFinite(values[i]))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Throws when a parameter or gradient is NaN or infinite, naming the first one.</summary>
    /// <exception cref="InvalidOperationException">"parameter h1.W[2, 0] is NaN (index 17)".</exception>
    public static void ThrowIfAny<T>(IResidualNetwork<T> network) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (Find(network) is { } found)
        {
            throw new InvalidOperationException(found.ToString());
        }
    }

    /// <summary>Throws when an input span holds a NaN or an infinity.</summary>
    /// <exception cref="ArgumentException">"x[3] is NaN".</exception>
    public static void ThrowIfAny<T>(ReadOnlySpan<T> values, string paramName) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int index = IndexOf(values);
        if (index >= 0)
        {
            throw new ArgumentException($"{paramName}[{index}] is {double.CreateChecked(values[index])}.", paramName);
        }
    }
}
