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

    /// <summary>Two row-major spans of <paramref name="batch"/> rows each; returns their row widths.</summary>
    public static (int First, int Second) Batch(int firstLength, int secondLength, int batch)
    {
        if (batch < 1 || firstLength % batch != 0 || secondLength % batch != 0)
        {
            throw new ArgumentException($"Expected spans of {batch} whole row(s) each; the lengths are {firstLength} and {secondLength}.", nameof(batch));
        }

        return (firstLength / batch, secondLength / batch);
    }

    public static void Rows(int rowsLength, int rowLength)
    {
        if (rowLength == 0 || rowsLength % rowLength != 0)
        {
            throw new ArgumentException($"Expected a whole number of rows of {rowLength} elements; the length is {rowsLength}.");
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
