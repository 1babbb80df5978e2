using System;
using System.Numerics;

namespace SkipNet;

/// <summary>
/// Classification helpers for networks trained with <see cref="Loss.CrossEntropy"/> (one logit per
/// class) or <see cref="Loss.BinaryCrossEntropy"/> (one independent logit per output): one-hot
/// targets from class labels, softmax probabilities, predicted classes and accuracy.
/// </summary>
public static class Classification
{
    /// <summary>Writes one-hot rows: row s has 1 at <c>labels[s]</c> and 0 elsewhere.</summary>
    /// <exception cref="ArgumentException">destination is not labels.Length rows of <paramref name="classes"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label is not in [0, classes); nothing is written.</exception>
    public static void OneHot<T>(ReadOnlySpan<int> labels, int classes, Span<T> destination) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        Guard.Length<T>(destination, labels.Length, classes, nameof(destination));
        for (int s = 0; s < labels.Length; s++)
        {
            if ((uint)labels[s] >= (uint)classes)
            {
                throw new ArgumentOutOfRangeException(nameof(labels), labels[s], $"Label {s} is {labels[s]}; labels must be in [0, {classes}).");
            }
        }

        destination.Clear();
        for (int s = 0; s < labels.Length; s++)
        {
            destination[s * classes + labels[s]] = T.One;
        }
    }

    /// <summary>softmax of each row of <paramref name="classes"/> logits, the row's maximum subtracted first.</summary>
    /// <exception cref="ArgumentException">The lengths do not fit.</exception>
    public static void Softmax<T>(ReadOnlySpan<T> logits, Span<T> probabilities, int classes) where T : unmanaged, IFloatingPointIeee754<T>
    {
        SpanCheck.Same(logits.Length, probabilities.Length);
        SpanCheck.Rows(logits.Length, classes);
        for (int start = 0; start < logits.Length; start += classes)
        {
            var z = logits.Slice(start, classes);
            var p = probabilities.Slice(start, classes);
            T max = z[0];
            for (int c = 1; c < classes; c++)
            {
                max = T.Max(max, z[c]);
            }

            T sum = T.Zero;
            for (int c = 0; c < classes; c++)
            {
                p[c] = T.Exp(z[c] - max);
                sum += p[c];
            }

            for (int c = 0; c < classes; c++)
            {
                p[c] /= sum;
            }
        }
    }

    /// <summary>The index of the largest entry of each row (the first one on ties): the predicted class of each sample's logits.</summary>
    /// <exception cref="ArgumentException">The lengths do not fit.</exception>
    public static void ArgMax<T>(ReadOnlySpan<T> rows, int width, Span<int> classes) where T : unmanaged, IFloatingPointIeee754<T>
    {
        SpanCheck.Rows(rows.Length, width);
        SpanCheck.Same(rows.Length / width, classes.Length);
        for (int s = 0; s < classes.Length; s++)
        {
            classes[s] = ArgMax(rows.Slice(s * width, width));
        }
    }

    /// <summary>The index of the largest entry (the first one on ties).</summary>
    public static int ArgMax<T>(ReadOnlySpan<T> row) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int best = 0;
        for (int c = 1; c < row.Length; c++)
        {
            if (row[c] > row[best])
            {
                best = c;
            }
        }

        return best;
    }

    /// <summary>The class a network predicts for one sample: the index of its largest output.</summary>
    /// <exception cref="ArgumentException">x is not one sample.</exception>
    public static int PredictClass<T>(this IResidualNetwork<T> network, ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        Guard.Length(x, 1, network.InputSize, nameof(x));
        Span<T> output = network.OutputSize <= 256 ? stackalloc T[network.OutputSize] : new T[network.OutputSize];
        network.Forward(x, output);
        return ArgMax<T>(output);
    }

    /// <summary>The softmax probabilities a cross-entropy network gives one sample.</summary>
    /// <exception cref="ArgumentException">x is not one sample, or probabilities is not OutputSize long.</exception>
    public static void PredictProbabilities<T>(this IResidualNetwork<T> network, ReadOnlySpan<T> x, Span<T> probabilities) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        Guard.Length(x, 1, network.InputSize, nameof(x));
        Guard.Length<T>(probabilities, 1, network.OutputSize, nameof(probabilities));
        network.Forward(x, probabilities);
        Softmax<T>(probabilities, probabilities, network.OutputSize);
    }

    /// <summary>
    /// The fraction of samples whose predicted class (the largest output) is their label. For a
    /// network with one output (binary cross-entropy), the prediction is 1 when the logit is &gt; 0.
    /// Runs the network in batches of up to 256 samples; allocates one buffer.
    /// </summary>
    /// <exception cref="ArgumentException">x and labels hold different numbers of samples.</exception>
    public static double Accuracy<T>(this IResidualNetwork<T> network, ReadOnlySpan<T> x, ReadOnlySpan<int> labels) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        int samples = Guard.SampleCount(x, network.InputSize, nameof(x));
        if (labels.Length != samples)
        {
            throw new ArgumentException($"Expected {samples} labels, one per sample of x; there are {labels.Length}.", nameof(labels));
        }

        const int Batch = 256;
        var output = new T[Math.Min(Batch, samples) * network.OutputSize];
        int correct = 0;
        for (int start = 0; start < samples; start += Batch)
        {
            int rows = Math.Min(Batch, samples - start);
            var o = output.AsSpan(0, rows * network.OutputSize);
            network.Forward(x.Slice(start * network.InputSize, rows * network.InputSize), o);
            correct += Correct(o, network.OutputSize, labels.Slice(start, rows));
        }

        return (double)correct / samples;
    }

    /// <summary>How many rows of outputs predict their label (the largest output; one output: logit &gt; 0 means 1).</summary>
    internal static int Correct<T>(ReadOnlySpan<T> outputs, int width, ReadOnlySpan<int> labels) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int correct = 0;
        for (int s = 0; s < labels.Length; s++)
        {
            var row = outputs.Slice(s * width, width);
            int predicted = width == 1 ? (row[0] > T.Zero ? 1 : 0) : ArgMax(row);
            correct += predicted == labels[s] ? 1 : 0;
        }

        return correct;
    }
}
