using System;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace SkipNet.CompilerServices;

/// <summary>
/// The kernels' argument checks. Each is inlined (at batch 1 on a small network the kernels are
/// called some forty times a step) and throws from a helper of its own; a batch of one, the common
/// case there, needs no division.
/// </summary>
internal static class SpanCheck
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Same(int expected, int actual)
    {
        if (expected != actual)
        {
            ThrowNotSame(expected, actual);
        }
    }

    /// <summary>A span of <paramref name="actual"/> elements where <paramref name="expected"/> (a product, in 64 bits) are needed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Same(long expected, int actual)
    {
        if (expected != actual)
        {
            ThrowNotSame(expected, actual);
        }
    }

    /// <summary>Two row-major spans of <paramref name="batch"/> rows each; returns their row widths.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (int First, int Second) Batch(int firstLength, int secondLength, int batch)
    {
        if (batch == 1)
        {
            return (firstLength, secondLength);
        }

        if (batch < 1)
        {
            ThrowNotBatch(firstLength, secondLength, batch);
        }

        int first = firstLength / batch, second = secondLength / batch;
        if (first * batch != firstLength || second * batch != secondLength)
        {
            ThrowNotBatch(firstLength, secondLength, batch);
        }

        return (first, second);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Rows(int rowsLength, int rowLength)
    {
        if (rowLength == 0 || (rowsLength != rowLength && rowsLength % rowLength != 0))
        {
            ThrowNotRows(rowsLength, rowLength);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Matrix(int matrixLength, int rows, int cols)
    {
        if (matrixLength != rows * cols)
        {
            ThrowNotMatrix(matrixLength, rows, cols);
        }
    }

    [DoesNotReturn]
    private static void ThrowNotSame(long expected, int actual) =>
        throw new ArgumentException($"Expected spans of equal length; the lengths are {expected} and {actual}.");

    [DoesNotReturn]
    private static void ThrowNotBatch(int firstLength, int secondLength, int batch) =>
        throw new ArgumentException($"Expected spans of {batch} whole row(s) each; the lengths are {firstLength} and {secondLength}.", nameof(batch));

    [DoesNotReturn]
    private static void ThrowNotRows(int rowsLength, int rowLength) =>
        throw new ArgumentException($"Expected a whole number of rows of {rowLength} elements; the length is {rowsLength}.");

    [DoesNotReturn]
    private static void ThrowNotMatrix(int matrixLength, int rows, int cols) =>
        throw new ArgumentException($"Expected a matrix of {rows}×{cols} = {rows * cols} elements; it has {matrixLength}.", "matrix");
}
