using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Numerics;
using System.Text;
using SkipNet.Explain;

namespace SkipNet;

/// <summary>
/// One training step of a generated network, written out as a student writes it: every forward
/// equation with its numbers, the loss, every chain-rule line of the backward pass (both paths where
/// a skip edge gives two), every update, and the loss after. <see cref="ToText"/> and
/// <see cref="ToMarkdown"/> print it; <see cref="Check"/> compares a hand derivation with it.
/// </summary>
/// <remarks>
/// Get one from the generated <c>Explain(x, y, learningRate)</c> or from <see cref="Of"/>. The
/// network is not changed. The derivation computes in double from the network's declaration
/// (<see cref="NetworkArchitecture"/>) and follows <see href="https://github.com/skipnet/skipnet/blob/main/docs/conventions.md">docs/conventions.md</see>, so its numbers are those of
/// the generated Backward and Step (tests hold them equal); it allocates, and is meant for teaching
/// and debugging, not for a training loop. Names are the generated code's: z_h0, h0, w_h0 (W_h1 for
/// a matrix), b_h0, s_h0_y, dL/dz_h0; the output's activation is ŷ, the target y, the updated
/// parameters w_h0' and the quantities after the step z_h0', ŷ', L'. Layers wider than a few units
/// are summarised (shape, norm, first entries) instead of listed.
/// </remarks>
public sealed partial class Derivation
{
    /// <summary>A quantity is listed entry by entry when it has at most this many entries.</summary>

    private readonly DerivationBuilder _steps;
    private readonly Dictionary<string, string> _aliases = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Quantity> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Quantity> _byNameIgnoringCase = new(StringComparer.OrdinalIgnoreCase);

    private Derivation(string networkName, NetworkArchitecture architecture, DerivationBuilder steps)
    {
        NetworkName = networkName;
        Architecture = architecture;
        _steps = steps;
        foreach (var q in steps.Quantities)
        {
            _byName.TryAdd(q.Name, q);
            _byNameIgnoringCase.TryAdd(q.Name, q);
        }

        var bases = new HashSet<string>(steps.Quantities.Select(q => Split(q.Name).Base), StringComparer.Ordinal);
        void Alias(string alias, string canonical)
        {
            if (!bases.Contains(alias))
            {
                _aliases.TryAdd(alias, canonical);
            }
        }

        Alias("yhat", "ŷ");
        Alias("y_hat", "ŷ");
        for (int i = 0; i < architecture.Layers.Count; i++)
        {
            var layer = architecture.Layers[i];
            bool output = i == architecture.Layers.Count - 1;
            Alias("z" + i, "z_" + layer.Name);
            Alias("h" + i, output ? "ŷ" : layer.Name);
            if (steps.Blocks.TryGetValue(layer.Name + ".W", out var weights))
            {
                Alias("w" + i, weights.Name);
                Alias("W" + i, weights.Name);
            }

            if (steps.Blocks.ContainsKey(layer.Name + ".b"))
            {
                Alias("b" + i, "b_" + layer.Name);
            }
            if (output)
            {
                Alias(layer.Name, "ŷ");
            }
        }
    }

    /// <summary>The network's type name.</summary>
    public string NetworkName { get; }

    /// <summary>The declaration the derivation follows.</summary>
    public NetworkArchitecture Architecture { get; }

    /// <summary>The loss before the step, L.</summary>
    public double Loss => _steps.Loss.Values[0];

    /// <summary>The loss after the step, L', on the same sample.</summary>
    public double LossAfter => _steps.LossAfter.Values[0];

    /// <summary>ŷ before the step.</summary>
    public IReadOnlyList<double> Output => _steps.Output.Values;

    /// <summary>dL/dp for every parameter, in the layout of <see cref="NetworkArchitecture.Blocks"/>.</summary>
    public double[] Gradients() => Flatten(_steps.Gradients);

    /// <summary>The parameters after the update p' = p − α·dL/dp, in the layout of <see cref="NetworkArchitecture.Blocks"/>.</summary>
    public double[] ParametersAfter() => Flatten(_steps.Updated);

    /// <summary>
    /// Every quantity's entry names, in the order the step computes them: "x", "z_h0", "dL/dŷ",
    /// "W_h1[2,0]", "w_h0'", "L'".
    /// </summary>
    public IEnumerable<string> Names =>
        _steps.Quantities.SelectMany(q => Enumerable.Range(0, q.Length).Select(i => q.EntryName(i, Notation.Text)));

    /// <summary>
    /// The value of a named quantity: a generated-code name ("z_h0", "dL/dw_h1", "W_h1[2,0]",
    /// "w_h0'", "L'"), "ŷ" or "yhat" for the output, or a layer's position: z0, h0, w0, b0 for the
    /// first layer, z1 … for the next (names of layers win over positions).
    /// </summary>
    /// <exception cref="ArgumentException">No quantity has that name.</exception>
    public double this[string name]
    {
        get
        {
            var entry = Resolve(name, null) ?? throw new ArgumentException(
                $"The derivation has no quantity '{name}'. Names look like {string.Join(", ", Examples())}.", nameof(name));
            return entry.Quantity.Values[entry.Index];
        }
    }

    /// <summary>
    /// Every entry of a named quantity, row-major: <c>ValuesOf("dL/dh1")</c> is the gradient reaching
    /// layer h1, <c>ValuesOf("W_h1'")</c> the updated weights. Names as for <see cref="this[string]"/>, without an index.
    /// </summary>
    /// <exception cref="ArgumentException">No quantity has that name.</exception>
    public double[] ValuesOf(string name)
    {
        var q = Lookup(name, null).Quantity
            ?? throw new ArgumentException($"The derivation has no quantity '{name}'. Names look like {string.Join(", ", Examples())}.", nameof(name));
        return (double[])q.Values.Clone();
    }

    /// <summary>Explains one training step of <paramref name="network"/> on one sample; the network is not changed.</summary>
    /// <param name="network">A generated network.</param>
    /// <param name="x">One sample: InputSize values.</param>
    /// <param name="y">Its target: OutputSize values.</param>
    /// <param name="learningRate">α of the update p' = p − α·dL/dp.</param>
    /// <exception cref="ArgumentException">x or y is not one sample of the network's widths.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The learning rate is negative, infinite or NaN.</exception>
    /// <exception cref="NotSupportedException">The network has a BatchNorm layer, whose statistics need a batch of at least 2.</exception>
    public static Derivation Of<T>(IResidualNetwork<T> network, ReadOnlySpan<T> x, ReadOnlySpan<T> y, T learningRate)
#if NET
        where T : unmanaged, IFloatingPointIeee754<T>
#else
        where T : unmanaged
#endif
    {
        ArgumentNullException.ThrowIfNull(network);
        var architecture = network.Architecture;
        if (x.Length != architecture.InputSize)
        {
            throw new ArgumentException($"Explain takes one sample: expected x to have length {architecture.InputSize} (InputSize); its length is {x.Length}.", nameof(x));
        }

        if (y.Length != architecture.OutputSize)
        {
            throw new ArgumentException($"Explain takes one sample: expected y to have length {architecture.OutputSize} (OutputSize); its length is {y.Length}.", nameof(y));
        }

        Guard.LearningRate(learningRate, nameof(learningRate));
        if (architecture.Layers.FirstOrDefault(l => l.Kind == LayerKind.BatchNorm) is { } norm)
        {
            throw new NotSupportedException(
                $"Explain shows a training step on one sample, and BatchNorm '{norm.Name}' takes its statistics over a batch of at least 2 (a training call on one sample is refused, as in PyTorch). Check its gradients with GradientCheck.Run on a batch instead.");
        }

        static double[] ToDouble(ReadOnlySpan<T> span)
        {
            var result = new double[span.Length];
            for (int i = 0; i < span.Length; i++)
            {
                result[i] = AsDouble(span[i]);
            }

            return result;
        }

        // The dropout masks the network's next training call would draw for this one sample (from a copy
        // of its generator, in layer order, in its precision): the step explained is that call's.
        var masks = new Dictionary<string, double[]>();
        var random = new SplitMix64(0) { State = network.RandomState };
        foreach (var layer in architecture.Layers.Where(l => l.Kind == LayerKind.Dropout))
        {
            var ones = new T[layer.Width];
            ones.AsSpan().Fill(One());
            var mask = new T[layer.Width];
            LayerKernels.DropoutForward<T>(ones, mask, new T[layer.Width], layer.P, ref random);
            masks[layer.Name] = ToDouble(mask);
        }

        var steps = DerivationBuilder.Build(architecture, ToDouble(network.Parameters), ToDouble(x), ToDouble(y), AsDouble(learningRate), masks);
        return new Derivation(network.GetType().Name, architecture, steps);

#if NET
        static double AsDouble(T value) => double.CreateChecked(value);
        static T One() => T.One;
#else
        static double AsDouble(T value) => Real.ToDouble(value);
        static T One() => Real.From<T>(1);
#endif
    }

    private double[] Flatten(Dictionary<string, Quantity> blocks)
    {
        var result = new double[Architecture.Blocks.Sum(b => b.Length)];
        foreach (var block in Architecture.Blocks)
        {
            blocks[block.Name].Values.CopyTo(result, block.Offset);
        }

        return result;
    }

    // ---- names -------------------------------------------------------------------------------

    private static (bool Gradient, string Base, bool Prime) Split(string name)
    {
        bool gradient = name.StartsWith("dL/d", StringComparison.Ordinal);
        string rest = gradient ? name.Substring(4) : name;
        bool prime = rest.EndsWith("'", StringComparison.Ordinal);
        return (gradient, prime ? rest.Substring(0, rest.Length - 1) : rest, prime);
    }

    private (Quantity Quantity, int Index)? Resolve(string written, IReadOnlyDictionary<string, string>? names)
    {
        var (q, index) = Lookup(written, names);
        if (q is null || index is null)
        {
            return null;
        }

        int entry = index.Length switch
        {
            0 when q.Length == 1 => 0,
            1 when q.Cols == 1 || q.Length == 1 => index[0],
            2 when index[0] < q.Rows && index[1] < q.Cols => index[0] * q.Cols + index[1],
            _ => -1,
        };
        return entry >= 0 && entry < q.Length ? (q, entry) : null;
    }

    /// <summary>The quantity a written name means, and the index written after it (null if malformed).</summary>
    private (Quantity? Quantity, int[]? Index) Lookup(string written, IReadOnlyDictionary<string, string>? names)
    {
        string s = new string(written.Where(c => !char.IsWhiteSpace(c)).ToArray())
            .Replace("∂L/∂", "dL/d").Replace("’", "'").Replace("′", "'");
        bool gradient = s.StartsWith("dL/d", StringComparison.Ordinal);
        if (gradient)
        {
            s = s.Substring(4);
        }

        bool prime = s.Contains('\'');
        s = s.Replace("'", "");
        int[] index = [];
        int bracket = s.IndexOf('[');
        if (bracket >= 0)
        {
            var parts = s.Substring(bracket).Split(['[', ']', ','], StringSplitOptions.RemoveEmptyEntries);
            index = new int[parts.Length];
            for (int i = 0; i < parts.Length; i++)
            {
                if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out index[i]))
                {
                    return (null, null);
                }
            }

            s = s.Substring(0, bracket);
        }

        if (names is not null && names.TryGetValue(s, out var mine))
        {
            s = mine;
        }

        if (_aliases.TryGetValue(s, out var canonical))
        {
            s = canonical;
        }

        string key = (gradient ? "dL/d" : "") + s + (prime ? "'" : "");
        return _byName.TryGetValue(key, out var q) || _byNameIgnoringCase.TryGetValue(key, out q) ? (q, index) : (null, null);
    }
}
