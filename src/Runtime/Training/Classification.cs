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

    /// <summary>
    /// The class a network predicts for one sample. A <see cref="Loss.CrossEntropy"/> network, or a
    /// regression network with several outputs: the index of its largest output (the first on ties).
    /// A one-output <see cref="Loss.BinaryCrossEntropy"/> network: 1 when the logit is ≥ 0 (σ ≥ ½), else 0.
    /// </summary>
    /// <exception cref="ArgumentException">x is not one sample.</exception>
    /// <exception cref="InvalidOperationException">The network has no single class to predict: binary cross-entropy on several outputs (multi-label: use <see cref="PredictProbabilities{T}"/>), or one regression output.</exception>
    public static int PredictClass<T>(this IResidualNetwork<T> network, ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        Guard.Length(x, 1, network.InputSize, nameof(x));
        RequireClasses(network, nameof(PredictClass));
        Span<T> output = network.OutputSize <= 256 ? stackalloc T[network.OutputSize] : new T[network.OutputSize];
        network.Forward(x, output);
        return Predicted<T>(output);
    }

    /// <summary>
    /// The probabilities a classifier gives one sample: the softmax of the logits for a
    /// <see cref="Loss.CrossEntropy"/> network; σ of each logit for a <see cref="Loss.BinaryCrossEntropy"/>
    /// network (the probability of class 1 for one output, of each label for several).
    /// </summary>
    /// <exception cref="ArgumentException">x is not one sample, or probabilities is not OutputSize long.</exception>
    /// <exception cref="InvalidOperationException">The network's loss is a regression loss (L1, MSE, Huber), whose outputs are no probabilities.</exception>
    public static void PredictProbabilities<T>(this IResidualNetwork<T> network, ReadOnlySpan<T> x, Span<T> probabilities) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        Guard.Length(x, 1, network.InputSize, nameof(x));
        Guard.Length<T>(probabilities, 1, network.OutputSize, nameof(probabilities));
        var loss = network.Architecture.Loss;
        var outputs = LossInfo.Of(loss).Outputs;
        if (outputs == LossOutputs.Values)
        {
            throw new InvalidOperationException($"PredictProbabilities needs a classifier (Loss.CrossEntropy or Loss.BinaryCrossEntropy); this network's loss is {loss}, whose outputs are values, not probabilities: read them with Forward.");
        }

        network.Forward(x, probabilities);
        if (outputs == LossOutputs.Softmax)
        {
            Softmax<T>(probabilities, probabilities, network.OutputSize);
            return;
        }

        foreach (ref T p in probabilities)
        {
            p = Losses.Sigmoid(p);
        }
    }

    /// <summary>Refuses networks whose outputs name no single class.</summary>
    private static void RequireClasses<T>(IResidualNetwork<T> network, string helper) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var loss = network.Architecture.Loss;
        var outputs = LossInfo.Of(loss).Outputs;
        if (outputs == LossOutputs.Sigmoid && network.OutputSize > 1)
        {
            throw new InvalidOperationException($"{helper}: this BinaryCrossEntropy network has {network.OutputSize} outputs, each a yes/no label of its own (multi-label), so no single class: read each label's probability with PredictProbabilities (label i is on when σ(ŷ_i) ≥ ½).");
        }

        if (outputs == LossOutputs.Values && network.OutputSize == 1)
        {
            throw new InvalidOperationException($"{helper}: this {loss} network has one output, a value rather than a class: a classifier has Loss.CrossEntropy (one output per class) or Loss.BinaryCrossEntropy (one output for yes/no).");
        }
    }

    /// <summary>The predicted class of one row of outputs: the largest, or for one logit, 1 when it is ≥ 0.</summary>
    private static int Predicted<T>(ReadOnlySpan<T> row) where T : unmanaged, IFloatingPointIeee754<T> =>
        row.Length == 1 ? (row[0] >= T.Zero ? 1 : 0) : ArgMax(row);

    /// <summary>
    /// The fraction of samples whose predicted class (<see cref="PredictClass{T}"/>'s: the largest
    /// output, or for one binary cross-entropy output, 1 when the logit is ≥ 0) is their label.
    /// Runs the network in batches of up to 256 samples; allocates one buffer.
    /// </summary>
    /// <exception cref="ArgumentException">x and labels hold different numbers of samples.</exception>
    /// <exception cref="InvalidOperationException">The network has no single class to predict (as for <see cref="PredictClass{T}"/>).</exception>
    public static double Accuracy<T>(this IResidualNetwork<T> network, ReadOnlySpan<T> x, ReadOnlySpan<int> labels) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        int samples = Guard.SampleCount(x, network.InputSize, nameof(x));
        if (labels.Length != samples)
        {
            throw new ArgumentException($"Expected {samples} labels, one per sample of x; there are {labels.Length}.", nameof(labels));
        }

        RequireClasses(network, nameof(Accuracy));

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

    /// <summary>How many rows of outputs predict their label (the largest output; one output: logit ≥ 0 means 1).</summary>
    internal static int Correct<T>(ReadOnlySpan<T> outputs, int width, ReadOnlySpan<int> labels) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int correct = 0;
        for (int s = 0; s < labels.Length; s++)
        {
            var row = outputs.Slice(s * width, width);
            correct += Predicted(row) == labels[s] ? 1 : 0;
        }

        return correct;
    }
}
