using System;

namespace SkipNet;

/// <summary>Argument checks the generated code runs at its public boundary, before it changes anything.</summary>
public static class Guard
{
    /// <summary>
    /// Returns the number of samples k in <paramref name="x"/>, which must hold k ≥ 1 samples of
    /// <paramref name="inputSize"/> elements each.
    /// </summary>
    /// <exception cref="ArgumentException">x is empty or its length is not a multiple of <paramref name="inputSize"/>.</exception>
    public static int SampleCount<T>(ReadOnlySpan<T> x, int inputSize, string paramName)
    {
        if (x.Length == 0 || x.Length % inputSize != 0)
        {
            throw new ArgumentException(
                $"Expected {paramName} to hold k ≥ 1 samples of {inputSize} elements (length k·{inputSize}); its length is {x.Length}.",
                paramName);
        }

        return x.Length / inputSize;
    }

    /// <summary>Checks that a span holds exactly <paramref name="samples"/> samples of <paramref name="width"/> elements.</summary>
    /// <exception cref="ArgumentException">The length is not samples·width.</exception>
    public static void Length<T>(ReadOnlySpan<T> span, int samples, int width, string paramName)
    {
        if (span.Length != samples * width)
        {
            throw new ArgumentException(
                $"Expected {paramName} to have length {samples * width} ({samples} sample(s) × {width}); its length is {span.Length}.",
                paramName);
        }
    }
}
