using System;
using System.ComponentModel;
using System.Numerics;

namespace SkipNet.CompilerServices;

/// <summary>Argument checks the generated code runs at its public boundary, before it changes anything.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
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
        long expected = (long)samples * width;
        if (span.Length != expected)
        {
            throw new ArgumentException(
                $"Expected {paramName} to have length {expected} ({samples} sample(s) × {width}); its length is {span.Length}.",
                paramName);
        }
    }

    /// <summary>Checks that an output span shares no element with the two inputs it is computed from.</summary>
    /// <exception cref="ArgumentException">The output overlaps one of them.</exception>
    public static void Separate<T>(ReadOnlySpan<T> output, ReadOnlySpan<T> first, ReadOnlySpan<T> second, string paramName, string firstName, string secondName)
    {
        if (output.Overlaps(first) || output.Overlaps(second))
        {
            throw new ArgumentException(
                $"Expected {paramName} to share no element with {firstName} or {secondName}, which are read while it is written; it overlaps {(output.Overlaps(first) ? firstName : secondName)}. Pass a buffer of its own.",
                paramName);
        }
    }

    /// <summary>Checks a learning rate as torch.optim does: a number ≥ 0 (and here also finite).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The rate is negative, infinite or NaN.</exception>
    public static void LearningRate<T>(T learningRate, string paramName)
#if NET
        where T : IFloatingPointIeee754<T>
    {
        if (!(learningRate >= T.Zero) || T.IsInfinity(learningRate))
#else
        where T : unmanaged
    {
        double rate = Real.ToDouble(learningRate);
        if (!(rate >= 0) || double.IsInfinity(rate))
#endif
        {
            throw new ArgumentOutOfRangeException(paramName, learningRate, $"The learning rate must be a finite number ≥ 0; it is {learningRate}.");
        }
    }

    /// <summary>Checks that <paramref name="optimizer"/> was made for <paramref name="network"/> (its state is sized to it).</summary>
    /// <exception cref="ArgumentNullException">The optimizer is null.</exception>
    /// <exception cref="ArgumentException">It was made for another network.</exception>
    public static void Optimizer<T>(Optimizer<T> optimizer, IResidualNetwork<T> network, string paramName)
#if NET
        where T : unmanaged, IFloatingPointIeee754<T>
#else
        where T : unmanaged
#endif
    {
        if (optimizer is null)
        {
            throw new ArgumentNullException(paramName);
        }

        if (!ReferenceEquals(optimizer.Network, network))
        {
            throw new ArgumentException(
                $"The optimizer was made for another network ({optimizer.Network.GetType().Name}, {optimizer.Network.ParameterCount} parameters); make one for this network: new Adam<{typeof(T).Name.ToLowerInvariant()}>(network, …).",
                paramName);
        }
    }
}
