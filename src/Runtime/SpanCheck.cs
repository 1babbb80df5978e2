using System;

namespace SkipNet;

internal static class SpanCheck
{
    public static void Same(int expected, int actual)
    {
        if (expected != actual)
        {
            throw new ArgumentException($"Expected spans of equal length; the lengths are {expected} and {actual}.");
        }
    }

    public static void Matrix(int matrixLength, int rows, int cols)
    {
        if (matrixLength != rows * cols)
        {
            throw new ArgumentException($"Expected a matrix of {rows}×{cols} = {rows * cols} elements; it has {matrixLength}.", "matrix");
        }
    }
}
