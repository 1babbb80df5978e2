using System;
using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SkipNet.CompilerServices;

/// <summary>
/// Matrix and vector kernels that looped networks call (matrices row-major, see
/// <see cref="ParameterBlock"/>). Every kernel accumulates into its destination (+=), except that
/// the gradient kernels can also overwrite it (see <see cref="GradientWrite{T}"/>).
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Kernels
{
    /// <summary>result += M·v, with M of shape result.Length × v.Length.</summary>
    /// <exception cref="ArgumentException">The lengths do not fit together.</exception>
    public static void MultiplyAdd<T>(ReadOnlySpan<T> matrix, ReadOnlySpan<T> vector, Span<T> result)
        where T : unmanaged, IFloatingPointIeee754<T>
        => MultiplyAdd(matrix, vector, result, batch: 1);

    /// <summary>
    /// For each of <paramref name="batch"/> rows s: results[s] += M·inputs[s] (that is, Z += H·Mᵀ),
    /// with M of shape n × m, inputs batch × m and results batch × n, all row-major.
    /// </summary>
    /// <exception cref="ArgumentException">The lengths do not fit together.</exception>
    public static void MultiplyAdd<T>(ReadOnlySpan<T> matrix, ReadOnlySpan<T> inputs, Span<T> results, int batch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (m, n) = SpanCheck.Batch(inputs.Length, results.Length, batch);
        SpanCheck.Matrix(matrix.Length, n, m);
        ParallelGemm.MultiplyAddTransposedB(ref MemoryMarshal.GetReference(inputs), ref MemoryMarshal.GetReference(matrix), ref MemoryMarshal.GetReference(results), batch, n, m);
    }

    /// <summary>
    /// A dense layer's pre-activations for <paramref name="batch"/> rows s: results[s] = bias + M·inputs[s]
    /// (Z = b + H·Mᵀ), written over, with M n × m, inputs batch × m, results batch × n. The same numbers
    /// as <see cref="BroadcastRows{T}"/> then <see cref="MultiplyAdd{T}(ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T}, int)"/>,
    /// in one call; on several threads each writes the bias into the columns it computes.
    /// </summary>
    /// <exception cref="ArgumentException">The lengths do not fit together.</exception>
    public static void DenseForward<T>(ReadOnlySpan<T> matrix, ReadOnlySpan<T> bias, ReadOnlySpan<T> inputs, Span<T> results, int batch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (m, n) = SpanCheck.Batch(inputs.Length, results.Length, batch);
        SpanCheck.Matrix(matrix.Length, n, m);
        SpanCheck.Same(n, bias.Length);
        ParallelGemm.MultiplyAddTransposedB(ref MemoryMarshal.GetReference(inputs), ref MemoryMarshal.GetReference(matrix), ref MemoryMarshal.GetReference(results), ref MemoryMarshal.GetReference(bias), batch, n, m);
    }

    /// <summary>result += Mᵀ·v, with M of shape v.Length × result.Length.</summary>
    /// <exception cref="ArgumentException">The lengths do not fit together.</exception>
    public static void TransposeMultiplyAdd<T>(ReadOnlySpan<T> matrix, ReadOnlySpan<T> vector, Span<T> result)
        where T : unmanaged, IFloatingPointIeee754<T>
        => TransposeMultiplyAdd(matrix, vector, result, batch: 1);

    /// <summary>
    /// For each of <paramref name="batch"/> rows s: results[s] += Mᵀ·vectors[s] (that is, dH += dZ·M),
    /// with M of shape n × m, vectors batch × n and results batch × m, all row-major.
    /// </summary>
    /// <exception cref="ArgumentException">The lengths do not fit together.</exception>
    public static void TransposeMultiplyAdd<T>(ReadOnlySpan<T> matrix, ReadOnlySpan<T> vectors, Span<T> results, int batch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (n, m) = SpanCheck.Batch(vectors.Length, results.Length, batch);
        SpanCheck.Matrix(matrix.Length, n, m);
        ParallelGemm.MultiplyAddNN(ref MemoryMarshal.GetReference(vectors), n, ref MemoryMarshal.GetReference(matrix), ref MemoryMarshal.GetReference(results), batch, m, n);
    }

    /// <summary>M += u·vᵀ, with M of shape u.Length × v.Length.</summary>
    /// <exception cref="ArgumentException">The lengths do not fit together.</exception>
    public static void OuterAdd<T>(ReadOnlySpan<T> u, ReadOnlySpan<T> v, Span<T> matrix)
        where T : unmanaged, IFloatingPointIeee754<T>
        => OuterAdd(u, v, matrix, batch: 1);

    /// <summary>
    /// M += Σ_s u[s]·v[s]ᵀ over <paramref name="batch"/> rows (that is, dW += dZᵀ·H), with u batch × n,
    /// v batch × m and M n × m, all row-major.
    /// </summary>
    /// <exception cref="ArgumentException">The lengths do not fit together.</exception>
    public static void OuterAdd<T>(ReadOnlySpan<T> u, ReadOnlySpan<T> v, Span<T> matrix, int batch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (n, m) = SpanCheck.Batch(u.Length, v.Length, batch);
        SpanCheck.Matrix(matrix.Length, n, m);
        ParallelGemm.MultiplyAddTN(ref MemoryMarshal.GetReference(u), n, ref MemoryMarshal.GetReference(v), ref MemoryMarshal.GetReference(matrix), ref Unsafe.NullRef<T>(), n, m, batch, GradientWrite<T>.Accumulate);
    }

    /// <summary>
    /// The gradient of a weight matrix from a batch: gradient (+)= Σ_s deltas[s]·inputs[s]ᵀ (dW = dZᵀ·H),
    /// stored as <paramref name="write"/> says, then, if it steps, parameters −= rate·gradient. Deltas
    /// are batch × n, inputs batch × m, gradient and parameters n × m, all row-major.
    /// </summary>
    /// <exception cref="ArgumentException">The lengths do not fit together; nothing is written.</exception>
    public static void WeightGradient<T>(ReadOnlySpan<T> deltas, ReadOnlySpan<T> inputs, Span<T> gradient, Span<T> parameters, int batch, GradientWrite<T> write)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (n, m) = SpanCheck.Batch(deltas.Length, inputs.Length, batch);
        SpanCheck.Matrix(gradient.Length, n, m);
        SpanCheck.Same(gradient.Length, parameters.Length);
        ParallelGemm.MultiplyAddTN(ref MemoryMarshal.GetReference(deltas), n, ref MemoryMarshal.GetReference(inputs), ref MemoryMarshal.GetReference(gradient), ref MemoryMarshal.GetReference(parameters), n, m, batch, write);
    }

    /// <summary>
    /// The backward pass of a dense edge in one call: inputDeltas += deltas·M (dH += dZ·M), then the
    /// gradient of M stored as <paramref name="write"/> says and, if it steps, M −= rate·gradient.
    /// The same numbers as <see cref="TransposeMultiplyAdd{T}(ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T}, int)"/>
    /// then <see cref="WeightGradient{T}"/>; for one or two samples it reads M once for both.
    /// Deltas are batch × n, inputs and inputDeltas batch × m, M and its gradient n × m.
    /// </summary>
    /// <exception cref="ArgumentException">The lengths do not fit together; nothing is written.</exception>
    public static void DenseBackward<T>(Span<T> matrix, ReadOnlySpan<T> deltas, ReadOnlySpan<T> inputs, Span<T> inputDeltas, Span<T> gradient, int batch, GradientWrite<T> write)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (n, m) = SpanCheck.Batch(deltas.Length, inputs.Length, batch);
        SpanCheck.Same(inputs.Length, inputDeltas.Length);
        SpanCheck.Matrix(matrix.Length, n, m);
        SpanCheck.Same(gradient.Length, matrix.Length);
        ref T w = ref MemoryMarshal.GetReference(matrix);
        ref T dz = ref MemoryMarshal.GetReference(deltas);
        ref T h = ref MemoryMarshal.GetReference(inputs);
        ref T dh = ref MemoryMarshal.GetReference(inputDeltas);
        ref T g = ref MemoryMarshal.GetReference(gradient);
        if (Gemm.FusesDenseBackward<T>(batch, m))
        {
            ParallelGemm.DenseBackwardRows(ref dz, n, ref w, ref h, ref dh, ref g, ref w, n, m, batch, write);
            return;
        }

        ParallelGemm.MultiplyAddNN(ref dz, n, ref w, ref dh, batch, m, n);
        ParallelGemm.MultiplyAddTN(ref dz, n, ref h, ref g, ref w, n, m, batch, write);
    }

    /// <summary>
    /// The gradient of a bias from a batch: gradient (+)= Σ rows of <paramref name="deltas"/> (each of
    /// gradient.Length elements), stored as <paramref name="write"/> says, then, if it steps,
    /// parameters −= rate·gradient.
    /// </summary>
    /// <exception cref="ArgumentException">The lengths do not fit together; nothing is written.</exception>
    public static void BiasGradient<T>(ReadOnlySpan<T> deltas, Span<T> gradient, Span<T> parameters, GradientWrite<T> write)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        SpanCheck.Rows(deltas.Length, gradient.Length);
        SpanCheck.Same(gradient.Length, parameters.Length);
        int n = gradient.Length, rows = deltas.Length / Math.Max(n, 1);
        ref T g = ref MemoryMarshal.GetReference(gradient);
        ref T d = ref MemoryMarshal.GetReference(deltas);
        ref T p = ref MemoryMarshal.GetReference(parameters);

        // One pass per vector of the gradient: (0 or g) + each row in turn, then p + (−rate)·g; the
        // additions and products of zeroing, adding the rows and stepping one after another.
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var rate = new Vector<T>(-write.LearningRate);
            for (; i <= n - Vector<T>.Count; i += Vector<T>.Count)
            {
                var sum = write.Overwrite ? Vector<T>.Zero : Vector.LoadUnsafe(ref g, (nuint)i);
                for (int r = 0; r < rows; r++)
                {
                    sum += Vector.LoadUnsafe(ref d, (nuint)(r * n + i));
                }

                sum.StoreUnsafe(ref g, (nuint)i);
                if (write.Step)
                {
                    (Vector.LoadUnsafe(ref p, (nuint)i) + rate * sum).StoreUnsafe(ref p, (nuint)i);
                }
            }
        }

        for (; i < n; i++)
        {
            T sum = write.Overwrite ? T.Zero : Unsafe.Add(ref g, i);
            for (int r = 0; r < rows; r++)
            {
                sum += Unsafe.Add(ref d, r * n + i);
            }

            Unsafe.Add(ref g, i) = sum;
            if (write.Step)
            {
                Unsafe.Add(ref p, i) += -write.LearningRate * sum;
            }
        }
    }

    /// <summary>Sets every row of <paramref name="rows"/> (a whole number of rows of vector.Length) to <paramref name="vector"/>.</summary>
    /// <exception cref="ArgumentException">rows.Length is not a multiple of vector.Length.</exception>
    public static void BroadcastRows<T>(ReadOnlySpan<T> vector, Span<T> rows)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        SpanCheck.Rows(rows.Length, vector.Length);
        for (int start = 0; start < rows.Length; start += vector.Length)
        {
            vector.CopyTo(rows.Slice(start, vector.Length));
        }
    }

    /// <summary>destination += Σ rows (each row of destination.Length elements).</summary>
    /// <exception cref="ArgumentException">rows.Length is not a multiple of destination.Length.</exception>
    public static void AddRows<T>(ReadOnlySpan<T> rows, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T>
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
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        SpanCheck.Same(source.Length, destination.Length);
        ScaleAdd(T.One, source, destination);
    }

    /// <summary>destination += factor·source.</summary>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static void ScaleAdd<T>(T factor, ReadOnlySpan<T> source, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        SpanCheck.Same(source.Length, destination.Length);
        Gemm.ScaleAdd(factor, ref MemoryMarshal.GetReference(source), ref MemoryMarshal.GetReference(destination), source.Length);
    }

    /// <summary>Σ a[i]·b[i].</summary>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static T Dot<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        SpanCheck.Same(a.Length, b.Length);
        return Gemm.Dot(ref MemoryMarshal.GetReference(a), ref MemoryMarshal.GetReference(b), a.Length);
    }
}
