using System;
using System.ComponentModel;
using static SkipNet.CompilerServices.Real;

namespace SkipNet.CompilerServices;

/// <summary>
/// The matrix and vector kernels of the looped generated code, on netstandard2.1: the same entry
/// points and layouts as the .NET 8 build's (row-major, W of shape n × m), computed one element at a
/// time in double and rounded once per stored element.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Kernels
{
    /// <summary>result += M·v, with M of shape result.Length × v.Length.</summary>
    /// <exception cref="ArgumentException">The lengths do not fit together.</exception>
    public static void MultiplyAdd<T>(ReadOnlySpan<T> matrix, ReadOnlySpan<T> vector, Span<T> result)
        where T : unmanaged
        => MultiplyAdd(matrix, vector, result, batch: 1);

    /// <summary>For each of <paramref name="batch"/> rows s: results[s] += M·inputs[s] (Z += H·Mᵀ), with M n × m, inputs batch × m, results batch × n.</summary>
    /// <exception cref="ArgumentException">The lengths do not fit together.</exception>
    public static void MultiplyAdd<T>(ReadOnlySpan<T> matrix, ReadOnlySpan<T> inputs, Span<T> results, int batch)
        where T : unmanaged
    {
        var (m, n) = SpanCheck.Batch(inputs.Length, results.Length, batch);
        SpanCheck.Matrix(matrix.Length, n, m);
        Product(matrix, default, inputs, results, batch, n, m, fromBias: false);
    }

    /// <summary>A dense layer's pre-activations: results[s] = bias + M·inputs[s] (Z = b + H·Mᵀ), written over.</summary>
    /// <exception cref="ArgumentException">The lengths do not fit together.</exception>
    public static void DenseForward<T>(ReadOnlySpan<T> matrix, ReadOnlySpan<T> bias, ReadOnlySpan<T> inputs, Span<T> results, int batch)
        where T : unmanaged
    {
        var (m, n) = SpanCheck.Batch(inputs.Length, results.Length, batch);
        SpanCheck.Matrix(matrix.Length, n, m);
        SpanCheck.Same(n, bias.Length);
        Product(matrix, bias, inputs, results, batch, n, m, fromBias: true);
    }

    /// <summary>result += Mᵀ·v, with M of shape v.Length × result.Length.</summary>
    /// <exception cref="ArgumentException">The lengths do not fit together.</exception>
    public static void TransposeMultiplyAdd<T>(ReadOnlySpan<T> matrix, ReadOnlySpan<T> vector, Span<T> result)
        where T : unmanaged
        => TransposeMultiplyAdd(matrix, vector, result, batch: 1);

    /// <summary>For each of <paramref name="batch"/> rows s: results[s] += Mᵀ·vectors[s] (dH += dZ·M), with M n × m, vectors batch × n, results batch × m.</summary>
    /// <exception cref="ArgumentException">The lengths do not fit together.</exception>
    public static void TransposeMultiplyAdd<T>(ReadOnlySpan<T> matrix, ReadOnlySpan<T> vectors, Span<T> results, int batch)
        where T : unmanaged
    {
        var (n, m) = SpanCheck.Batch(vectors.Length, results.Length, batch);
        SpanCheck.Matrix(matrix.Length, n, m);
        TransposedProduct(matrix, vectors, results, batch, n, m);
    }

    /// <summary>matrix += u·vᵀ.</summary>
    /// <exception cref="ArgumentException">The lengths do not fit together.</exception>
    public static void OuterAdd<T>(ReadOnlySpan<T> u, ReadOnlySpan<T> v, Span<T> matrix)
        where T : unmanaged
        => OuterAdd(u, v, matrix, batch: 1);

    /// <summary>matrix += Σ_s u[s]·v[s]ᵀ, with u batch × n, v batch × m, matrix n × m.</summary>
    /// <exception cref="ArgumentException">The lengths do not fit together.</exception>
    public static void OuterAdd<T>(ReadOnlySpan<T> u, ReadOnlySpan<T> v, Span<T> matrix, int batch)
        where T : unmanaged
    {
        var (n, m) = SpanCheck.Batch(u.Length, v.Length, batch);
        SpanCheck.Matrix(matrix.Length, n, m);
        OuterProducts(u, v, matrix, default, batch, n, m, GradientWrite<T>.Accumulate);
    }

    /// <summary>
    /// The gradient of a weight matrix from a batch: gradient (+)= Σ_s deltas[s]·inputs[s]ᵀ (dW = dZᵀ·H),
    /// stored as <paramref name="write"/> says, then, if it steps, parameters −= rate·gradient.
    /// </summary>
    /// <exception cref="ArgumentException">The lengths do not fit together; nothing is written.</exception>
    public static void WeightGradient<T>(ReadOnlySpan<T> deltas, ReadOnlySpan<T> inputs, Span<T> gradient, Span<T> parameters, int batch, GradientWrite<T> write)
        where T : unmanaged
    {
        var (n, m) = SpanCheck.Batch(deltas.Length, inputs.Length, batch);
        SpanCheck.Matrix(gradient.Length, n, m);
        SpanCheck.Same(gradient.Length, parameters.Length);
        OuterProducts(deltas, inputs, gradient, parameters, batch, n, m, write);
    }

    /// <summary>
    /// The backward pass of a dense edge: inputDeltas += deltas·M (dH += dZ·M), then the gradient of M
    /// stored as <paramref name="write"/> says and, if it steps, M −= rate·gradient.
    /// </summary>
    /// <exception cref="ArgumentException">The lengths do not fit together; nothing is written.</exception>
    public static void DenseBackward<T>(Span<T> matrix, ReadOnlySpan<T> deltas, ReadOnlySpan<T> inputs, Span<T> inputDeltas, Span<T> gradient, int batch, GradientWrite<T> write)
        where T : unmanaged
    {
        var (n, m) = SpanCheck.Batch(deltas.Length, inputs.Length, batch);
        SpanCheck.Same(inputs.Length, inputDeltas.Length);
        SpanCheck.Matrix(matrix.Length, n, m);
        SpanCheck.Same(gradient.Length, matrix.Length);
        TransposedProduct(matrix, deltas, inputDeltas, batch, n, m);
        OuterProducts(deltas, inputs, gradient, matrix, batch, n, m, write);
    }

    /// <summary>gradient (+)= the sum of the rows of deltas, stored as <paramref name="write"/> says, then, if it steps, parameters −= rate·gradient.</summary>
    /// <exception cref="ArgumentException">The lengths do not fit together.</exception>
    public static void BiasGradient<T>(ReadOnlySpan<T> deltas, Span<T> gradient, Span<T> parameters, GradientWrite<T> write)
        where T : unmanaged
    {
        SpanCheck.Rows(deltas.Length, gradient.Length);
        SpanCheck.Same(gradient.Length, parameters.Length);
        int n = gradient.Length, rows = deltas.Length / Math.Max(n, 1);
        double rate = ToDouble(write.LearningRate);
        for (int i = 0; i < n; i++)
        {
            double sum = write.Overwrite ? 0 : ToDouble(gradient[i]);
            for (int r = 0; r < rows; r++)
            {
                sum += ToDouble(deltas[r * n + i]);
            }

            gradient[i] = From<T>(sum);
            if (write.Step)
            {
                parameters[i] = From<T>(ToDouble(parameters[i]) - rate * ToDouble(gradient[i]));
            }
        }
    }

    /// <summary>Copies <paramref name="vector"/> into every row of <paramref name="rows"/>.</summary>
    /// <exception cref="ArgumentException">The lengths do not fit together.</exception>
    public static void BroadcastRows<T>(ReadOnlySpan<T> vector, Span<T> rows)
        where T : unmanaged
    {
        SpanCheck.Rows(rows.Length, vector.Length);
        for (int start = 0; start < rows.Length; start += vector.Length)
        {
            vector.CopyTo(rows.Slice(start, vector.Length));
        }
    }

    /// <summary>destination += every row of <paramref name="rows"/>.</summary>
    /// <exception cref="ArgumentException">The lengths do not fit together.</exception>
    public static void AddRows<T>(ReadOnlySpan<T> rows, Span<T> destination)
        where T : unmanaged
    {
        SpanCheck.Rows(rows.Length, destination.Length);
        for (int start = 0; start < rows.Length; start += destination.Length)
        {
            Add(rows.Slice(start, destination.Length), destination);
        }
    }

    /// <summary>destination += source.</summary>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static void Add<T>(ReadOnlySpan<T> source, Span<T> destination)
        where T : unmanaged
    {
        SpanCheck.Same(source.Length, destination.Length);
        for (int i = 0; i < source.Length; i++)
        {
            destination[i] = From<T>(ToDouble(destination[i]) + ToDouble(source[i]));
        }
    }

    /// <summary>destination += factor·source.</summary>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static void ScaleAdd<T>(T factor, ReadOnlySpan<T> source, Span<T> destination)
        where T : unmanaged
    {
        SpanCheck.Same(source.Length, destination.Length);
        double f = ToDouble(factor);
        for (int i = 0; i < source.Length; i++)
        {
            destination[i] = From<T>(ToDouble(destination[i]) + f * ToDouble(source[i]));
        }
    }

    /// <summary>Σ a[i]·b[i].</summary>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static T Dot<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b)
        where T : unmanaged
    {
        SpanCheck.Same(a.Length, b.Length);
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            sum += ToDouble(a[i]) * ToDouble(b[i]);
        }

        return From<T>(sum);
    }

    // Z[s, i] = (bias[i] or Z[s, i]) + Σ_j M[i, j]·H[s, j]: each dot in four partial sums (the next
    // multiply-add need not wait for the last), added in a fixed order.
    private static void Product<T>(ReadOnlySpan<T> matrix, ReadOnlySpan<T> bias, ReadOnlySpan<T> inputs, Span<T> results, int batch, int n, int m, bool fromBias)
        where T : unmanaged
    {
        for (int s = 0; s < batch; s++)
        {
            var h = inputs.Slice(s * m, m);
            var z = results.Slice(s * n, n);
            for (int i = 0; i < n; i++)
            {
                var row = matrix.Slice(i * m, m);
                double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
                int j = 0;
                for (; j + 4 <= m; j += 4)
                {
                    s0 += ToDouble(row[j]) * ToDouble(h[j]);
                    s1 += ToDouble(row[j + 1]) * ToDouble(h[j + 1]);
                    s2 += ToDouble(row[j + 2]) * ToDouble(h[j + 2]);
                    s3 += ToDouble(row[j + 3]) * ToDouble(h[j + 3]);
                }

                for (; j < m; j++)
                {
                    s0 += ToDouble(row[j]) * ToDouble(h[j]);
                }

                z[i] = From<T>(ToDouble(fromBias ? bias[i] : z[i]) + ((s0 + s1) + (s2 + s3)));
            }
        }
    }

    // dH[s, j] += Σ_i dZ[s, i]·M[i, j]: row by row of M into a row of double sums, rounded once.
    private static void TransposedProduct<T>(ReadOnlySpan<T> matrix, ReadOnlySpan<T> deltas, Span<T> results, int batch, int n, int m)
        where T : unmanaged
    {
        using var scratch = new Scratch(m);
        var sums = scratch.Sums;
        for (int s = 0; s < batch; s++)
        {
            var dz = deltas.Slice(s * n, n);
            var dh = results.Slice(s * m, m);
            for (int j = 0; j < m; j++)
            {
                sums[j] = ToDouble(dh[j]);
            }

            for (int i = 0; i < n; i++)
            {
                double d = ToDouble(dz[i]);
                var row = matrix.Slice(i * m, m);
                for (int j = 0; j < m; j++)
                {
                    sums[j] += d * ToDouble(row[j]);
                }
            }

            for (int j = 0; j < m; j++)
            {
                dh[j] = From<T>(sums[j]);
            }
        }
    }

    // G[i, j] = (0 or G[i, j]) + Σ_s U[s, i]·V[s, j], then, if the write steps, P[i, j] −= rate·G[i, j]:
    // a row of G at a time, in double sums, rounded once.
    private static void OuterProducts<T>(ReadOnlySpan<T> u, ReadOnlySpan<T> v, Span<T> gradient, Span<T> parameters, int batch, int n, int m, GradientWrite<T> write)
        where T : unmanaged
    {
        double rate = ToDouble(write.LearningRate);
        using var scratch = new Scratch(m);
        var sums = scratch.Sums;
        for (int i = 0; i < n; i++)
        {
            var g = gradient.Slice(i * m, m);
            for (int j = 0; j < m; j++)
            {
                sums[j] = write.Overwrite ? 0 : ToDouble(g[j]);
            }

            for (int s = 0; s < batch; s++)
            {
                double d = ToDouble(u[s * n + i]);
                var row = v.Slice(s * m, m);
                for (int j = 0; j < m; j++)
                {
                    sums[j] += d * ToDouble(row[j]);
                }
            }

            for (int j = 0; j < m; j++)
            {
                g[j] = From<T>(sums[j]);
                if (write.Step)
                {
                    int at = i * m + j;
                    parameters[at] = From<T>(ToDouble(parameters[at]) - rate * ToDouble(g[j]));
                }
            }
        }
    }
}
