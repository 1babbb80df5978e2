using System;
using System.Numerics;

namespace SkipNet;

/// <summary>
/// Samples to train or validate on: row-major inputs and either row-major targets or class labels
/// (turned into one-hot rows for <see cref="Loss.CrossEntropy"/>, into 0/1 for a one-output
/// <see cref="Loss.BinaryCrossEntropy"/> network). The arrays are read, never copied or changed.
/// </summary>
/// <typeparam name="T">The network's element type.</typeparam>
public sealed class TrainingSet<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private TrainingSet(ReadOnlyMemory<T> x, ReadOnlyMemory<T> targets, ReadOnlyMemory<int> labels, bool hasLabels)
    {
        X = x;
        Targets = targets;
        Labels = labels;
        HasLabels = hasLabels;
    }

    /// <summary>The inputs, k·InputSize values.</summary>
    public ReadOnlyMemory<T> X { get; }

    /// <summary>The targets, k·OutputSize values (empty when the set has labels).</summary>
    public ReadOnlyMemory<T> Targets { get; }

    /// <summary>The class labels, k of them (empty when the set has targets).</summary>
    public ReadOnlyMemory<int> Labels { get; }

    /// <summary>Whether the set has class labels rather than target rows.</summary>
    public bool HasLabels { get; }

    /// <summary>Samples with target rows.</summary>
    public static TrainingSet<T> WithTargets(ReadOnlyMemory<T> x, ReadOnlyMemory<T> targets) => new(x, targets, default, hasLabels: false);

    /// <summary>Samples with class labels.</summary>
    public static TrainingSet<T> WithLabels(ReadOnlyMemory<T> x, ReadOnlyMemory<int> labels) => new(x, default, labels, hasLabels: true);

    /// <summary>The number of samples, checked against the network's widths.</summary>
    /// <exception cref="ArgumentException">The lengths do not fit the network, or labels are out of range or meaningless for its loss.</exception>
    internal int Samples(IResidualNetwork<T> network, string name)
    {
        int samples = Guard.SampleCount(X.Span, network.InputSize, name + ".X");
        if (!HasLabels)
        {
            Guard.Length(Targets.Span, samples, network.OutputSize, name + ".Targets");
            return samples;
        }

        if (Labels.Length != samples)
        {
            throw new ArgumentException($"Expected {samples} labels in {name}, one per sample; there are {Labels.Length}.", name);
        }

        var loss = network.Architecture.Loss;
        var outputs = LossInfo.Of(loss).Outputs;
        bool classes = outputs == LossOutputs.Softmax || (outputs == LossOutputs.Sigmoid && network.OutputSize == 1);
        if (!classes)
        {
            throw new ArgumentException($"Class labels need a CrossEntropy network, or a BinaryCrossEntropy network with one output; this one has {loss} and {network.OutputSize} output(s). Give target rows instead.", name);
        }

        int limit = outputs == LossOutputs.Softmax ? network.OutputSize : 2;
        foreach (int label in Labels.Span)
        {
            if ((uint)label >= (uint)limit)
            {
                throw new ArgumentOutOfRangeException(name, label, $"A label is {label}; labels must be in [0, {limit}).");
            }
        }

        return samples;
    }
}
