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
public sealed class Derivation
{
    /// <summary>A quantity is listed entry by entry when it has at most this many entries.</summary>
    private const int ListedEntries = 16;

    /// <summary>... and each entry's equation has at most this many terms.</summary>
    private const int ListedTerms = 24;

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
            string weights = steps.Blocks[layer.Name + ".W"].Name;
            Alias("w" + i, weights);
            Alias("W" + i, weights);
            Alias("b" + i, "b_" + layer.Name);
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
    public static Derivation Of<T>(IResidualNetwork<T> network, ReadOnlySpan<T> x, ReadOnlySpan<T> y, T learningRate)
        where T : unmanaged, IFloatingPointIeee754<T>
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

        static double[] ToDouble(ReadOnlySpan<T> span)
        {
            var result = new double[span.Length];
            for (int i = 0; i < span.Length; i++)
            {
                result[i] = double.CreateChecked(span[i]);
            }

            return result;
        }

        var steps = DerivationBuilder.Build(architecture, ToDouble(network.Parameters), ToDouble(x), ToDouble(y), double.CreateChecked(learningRate));
        return new Derivation(network.GetType().Name, architecture, steps);
    }

    /// <summary>The derivation as plain text (Unicode), one equation per line.</summary>
    public string ToText() => Render(Notation.Text);

    /// <summary>The derivation as Markdown with LaTeX math ($$ … $$), which GitHub renders.</summary>
    public string ToMarkdown() => Render(Notation.Latex);

    /// <inheritdoc cref="ToText"/>
    public override string ToString() => ToText();

    /// <summary>
    /// Compares a hand derivation with this one. <paramref name="values"/> lists "name = value"
    /// pairs separated by commas, semicolons or new lines, with any name <see cref="this[string]"/>
    /// takes: <c>"dL/dyhat = -1, w0' = 1.25"</c>.
    /// </summary>
    /// <param name="values">The student's values.</param>
    /// <param name="names">The student's own names for quantities, e.g. { ["ws"] = "s_h0_y" }.</param>
    /// <param name="tolerance">A value agrees when it is within tolerance·max(1, |correct|) (hand values are rounded).</param>
    /// <exception cref="FormatException">A pair is not "name = number".</exception>
    public DerivationCheck Check(string values, IReadOnlyDictionary<string, string>? names = null, double tolerance = 1e-3)
    {
        ArgumentNullException.ThrowIfNull(values);
        var given = new List<(string Written, Quantity Quantity, int Index, double Value)>();
        var unknown = new List<string>();
        foreach (var (name, value) in ParsePairs(values))
        {
            var entry = Resolve(name, names);
            if (entry is null)
            {
                unknown.Add(name);
            }
            else
            {
                given.Add((name, entry.Value.Quantity, entry.Value.Index, value));
            }
        }

        // The student's step: their value where they gave one, else each equation evaluated on their
        // values so far, so a mistake carries forward through the quantities they skipped.
        var written = new Dictionary<(Quantity, int), double>();
        foreach (var g in given)
        {
            written[(g.Quantity, g.Index)] = g.Value;
        }

        var propagated = new Dictionary<Quantity, double[]>();
        double Yours(Quantity q, int i) => propagated.TryGetValue(q, out var v) ? v[i] : q.Values[i];
        foreach (var q in _steps.Quantities)
        {
            var entries = new double[q.Length];
            for (int i = 0; i < q.Length; i++)
            {
                entries[i] = written.TryGetValue((q, i), out var v) ? v : q.Entry is null ? q.Values[i] : q.Entry(i).Evaluate(Yours);
            }

            propagated[q] = entries;
        }

        double Correct(Quantity q, int i) => q.Values[i];
        bool Close(double a, double b) => Math.Abs(a - b) <= tolerance * Math.Max(1, Math.Abs(b));

        var checkedValues = given
            .OrderBy(g => g.Quantity.Order).ThenBy(g => g.Index)
            .Select(g =>
            {
                double correct = g.Quantity.Values[g.Index];
                double fromYours = g.Quantity.Entry is null ? correct : g.Quantity.Entry(g.Index).Evaluate(Yours);
                return new CheckedValue(
                    g.Written,
                    g.Quantity.EntryName(g.Index, Notation.Text),
                    g.Value,
                    correct,
                    Close(g.Value, correct),
                    fromYours,
                    Close(g.Value, fromYours),
                    Equation(g.Quantity, g.Index, Notation.Text, Correct),
                    Equation(g.Quantity, g.Index, Notation.Text, Yours, fromYours));
            })
            .ToList();
        return new DerivationCheck(checkedValues, unknown, Examples().ToList());
    }

    private IEnumerable<string> Examples() =>
        new[] { _steps.Layers[Architecture.Layers[0].Name].Z, _steps.Gradients[Architecture.Blocks[0].Name], _steps.Updated[Architecture.Blocks[0].Name], _steps.Output }
            .Select(q => q.EntryName(0, Notation.Text)).Append("L'");

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

    private static IEnumerable<(string Name, double Value)> ParsePairs(string text)
    {
        var pair = new StringBuilder();
        int depth = 0;
        foreach (char c in text + "\n")
        {
            depth += c == '[' ? 1 : c == ']' ? -1 : 0;
            if (depth == 0 && (c == ',' || c == ';' || c == '\n'))
            {
                string item = pair.ToString().Trim();
                pair.Clear();
                if (item.Length == 0)
                {
                    continue;
                }

                int equals = item.LastIndexOf('=');
                string number = equals < 0 ? "" : item.Substring(equals + 1).Trim().Replace('−', '-');
                if (equals <= 0 || !double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
                {
                    throw new FormatException($"Expected \"name = number\", such as \"dL/dyhat = -1\"; got \"{item}\".");
                }

                yield return (item.Substring(0, equals).Trim(), value);
            }
            else
            {
                pair.Append(c);
            }
        }
    }

    // ---- rendering ---------------------------------------------------------------------------

    /// <summary>"dL/dh0 = dL/dz_h1·w_h1 + dL/dz_y·s_h0_y = 0.5 × 0.5 + 1 × 0.5 = 0.75".</summary>
    private static string Equation(Quantity q, int i, Notation n, Func<Quantity, int, double> values, double? result = null)
    {
        if (q.Entry is null)
        {
            return $"{q.EntryName(i, n)} = {Expr.Format(values(q, i), n)}";
        }

        var e = q.Entry(i);
        var sb = new StringBuilder(q.EntryName(i, n)).Append(" = ").Append(e.ToString(n, null));
        if (e is not Ref)
        {
            sb.Append(" = ").Append(e.ToString(n, values));
        }

        return sb.Append(" = ").Append(Expr.Format(result ?? e.Evaluate(values), n)).ToString();
    }

    private string Render(Notation n)
    {
        bool md = n == Notation.Latex;
        var sb = new StringBuilder();
        double Value(Quantity q, int i) => q.Values[i];
        string F(double v) => Expr.Format(v, n);
        string Display(string s) => md ? "$$" + s + "$$" : "  " + s;

        void Heading(string title)
        {
            sb.AppendLine();
            sb.AppendLine(md ? "### " + title : title);
            if (md)
            {
                sb.AppendLine();
            }
        }

        void Line(string s)
        {
            sb.AppendLine(s);
            if (md)
            {
                sb.AppendLine();
            }
        }

        var arch = Architecture;
        string lossName = LossInfo.Of(arch.Loss).Name(F(arch.HuberDelta));

        // A sample wider than a few values is summarised as its quantities are (length, norm, first entries).
        string Vector(Quantity q) =>
            q.Length == 1 ? F(q.Values[0])
            : q.Length <= ListedEntries ? $"({string.Join(", ", q.Values.Select(F))})"
            : md ? $"\\text{{({q.Length} values; norm }} {F(System.Math.Sqrt(q.Values.Sum(v => v * v)))}\\text{{; first }} {string.Join(", ", q.Values.Take(3).Select(F))}, \\ldots\\text{{)}}"
            : $"({q.Length} values; ‖{q.Name}‖ = {F(System.Math.Sqrt(q.Values.Sum(v => v * v)))}; {string.Join(", ", q.Values.Take(3).Select(F))}, …)";
        string x = Vector(_steps.X);
        string y = Vector(_steps.Y);
        if (md)
        {
            sb.AppendLine($"## {NetworkName}: one training step, explained");
            sb.AppendLine();
            sb.AppendLine($"One sample $x = {x}$ with target ${_steps.Y.LatexName} = {y}$, learning rate $\\alpha = {F(_steps.Alpha.Values[0])}$, {lossName} loss. " +
                "Conventions (docs/conventions.md): $\\operatorname{ReLU}'(0) = 1$, $\\operatorname{sign}(0) = 0$; every gradient is $\\partial L / \\partial$ of the quantity named.");
        }
        else
        {
            sb.AppendLine($"{NetworkName}: one training step, explained");
            sb.AppendLine($"  one sample x = {x} with target {_steps.Y.Name} = {y}, learning rate α = {F(_steps.Alpha.Values[0])}, {lossName} loss");
            sb.AppendLine("  conventions (docs/conventions.md): ReLU'(0) = 1, sign(0) = 0; dL/dq is the derivative of the loss L by q");
        }

        var titles = new Dictionary<Stage, string>
        {
            [Stage.Given] = "Given",
            [Stage.Forward] = "Forward",
            [Stage.Loss] = "Loss",
            [Stage.Backward] = "Backward (the chain rule, from the loss back to the first layer)",
            [Stage.Update] = "Update (p' = p − α·dL/dp)",
            [Stage.After] = "After the step (the same sample, updated parameters)",
        };

        Stage? current = null;
        foreach (var q in _steps.Quantities)
        {
            if (q.Stage != current)
            {
                current = q.Stage;
                Heading(titles[q.Stage]);
            }

            if (q.Entry is null)
            {
                Line(Display(GivenLine(q, n)));
            }
            else if (q.Length <= ListedEntries && q.Entry(0).Size <= ListedTerms)
            {
                for (int i = 0; i < q.Length; i++)
                {
                    Line(Display(Equation(q, i, n, Value) + NoteOf(q, n)));
                }
            }
            else
            {
                Line(Display(Summary(q, n)));
            }
        }

        double before = Loss, after = LossAfter;
        string trend = after < before ? "down" : after > before ? "up" : "unchanged";
        sb.AppendLine();
        sb.AppendLine(md ? $"The loss went from ${F(before)}$ to ${F(after)}$ ({trend})." : $"The loss went from {F(before)} to {F(after)} ({trend}).");
        return sb.ToString();
    }

    private static string NoteOf(Quantity q, Notation n) =>
        q.Note is null ? "" : n == Notation.Latex ? $" \\quad \\text{{({q.Note})}}" : $"   ({q.Note})";

    /// <summary>"W_h1 = [0.1, 0.2; 0.3, 0.4]" when small, else shape, norm and first entries.</summary>
    private static string GivenLine(Quantity q, Notation n)
    {
        string F(double v) => Expr.Format(v, n);
        if (q.Length == 1)
        {
            return $"{q.EntryName(0, n)} = {F(q.Values[0])}";
        }

        if (q.Length > ListedEntries)
        {
            return Summary(q, n);
        }

        var rows = Enumerable.Range(0, q.Rows).Select(r => string.Join(n == Notation.Latex ? " & " : ", ", Enumerable.Range(0, q.Cols).Select(c => F(q.Values[r * q.Cols + c]))));
        return n == Notation.Latex
            ? $"{q.LatexName} = \\begin{{pmatrix}} {string.Join(" \\\\ ", rows)} \\end{{pmatrix}}"
            : q.Cols == 1 ? $"{q.Name} = ({string.Join(", ", q.Values.Select(F))})" : $"{q.Name} = [{string.Join("; ", rows)}]";
    }

    /// <summary>"z_h1 = W_h1·h0 + b_h1   (128; ‖z_h1‖ = 3.2; z_h1[0] = 0.1, z_h1[1] = −0.2, z_h1[2] = 0.3, …)".</summary>
    private static string Summary(Quantity q, Notation n)
    {
        double norm = System.Math.Sqrt(q.Values.Sum(v => v * v));
        var first = Enumerable.Range(0, System.Math.Min(3, q.Length)).Select(i => $"{q.EntryName(i, n)} = {Expr.Format(q.Values[i], n)}");
        string more = q.Length > 3 ? (n == Notation.Latex ? ", \\ldots" : ", …") : "";
        if (n == Notation.Latex)
        {
            string definition = q.Entry is null ? q.LatexName : $"{q.LatexName} = {q.FormulaLatex}";
            return $"{definition} \\quad \\text{{({q.Shape}; norm }} \\lVert {q.LatexName} \\rVert = {Expr.Format(norm, n)}\\text{{; }} {string.Join(", ", first)}{more}\\text{{)}}{NoteOf(q, n)}";
        }

        string head = q.Entry is null ? q.Name : $"{q.Name} = {q.Formula}";
        return $"{head}   ({q.Shape}; ‖{q.Name}‖ = {Expr.Format(norm, n)}; {string.Join(", ", first)}{more}){NoteOf(q, n)}";
    }
}

/// <summary>The result of <see cref="Derivation.Check"/>: each value the student gave, against the derivation.</summary>
public sealed class DerivationCheck
{
    private readonly IReadOnlyList<string> _examples;

    internal DerivationCheck(IReadOnlyList<CheckedValue> values, IReadOnlyList<string> unknownNames, IReadOnlyList<string> examples)
    {
        Values = values;
        UnknownNames = unknownNames;
        _examples = examples;
    }

    /// <summary>The values given, in the order the step computes them.</summary>
    public IReadOnlyList<CheckedValue> Values { get; }

    /// <summary>Names the derivation does not know (see <see cref="Derivation.this[string]"/>).</summary>
    public IReadOnlyList<string> UnknownNames { get; }

    /// <summary>True when every name is known and every value agrees.</summary>
    public bool AllAgree => UnknownNames.Count == 0 && Values.All(v => v.Agrees);

    /// <summary>
    /// The earliest value (in the order of the step) that disagrees: where the hand derivation first
    /// goes wrong. Later wrong values may only carry it forward (<see cref="CheckedValue.FollowsFromYourValues"/>).
    /// </summary>
    public CheckedValue? FirstWrongStep => Values.FirstOrDefault(v => !v.Agrees);

    /// <summary>One line per value (✓ or ✗ with the correct equation), then the first wrong step.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.AppendLine($"Checked {Values.Count} value(s):");
        var first = FirstWrongStep;
        foreach (var v in Values)
        {
            string written = v.Written == v.Quantity ? v.Written : $"{v.Written} ({v.Quantity})";
            string given = Explain.Expr.Format(v.Given, Explain.Notation.Text);
            if (v.Agrees)
            {
                sb.AppendLine($"  ✓ {written} = {given}");
            }
            else if (ReferenceEquals(v, first) || !v.FollowsFromYourValues)
            {
                sb.AppendLine($"  ✗ {written} = {given}: wrong step. Correct: {v.Equation}{(ReferenceEquals(v, first) ? "   ← first wrong step" : "")}");
            }
            else
            {
                sb.AppendLine($"  ✗ {written} = {given}: follows from your earlier values ({v.YourEquation}); the correct value is {Explain.Expr.Format(v.Correct, Explain.Notation.Text)}");
            }
        }

        if (UnknownNames.Count > 0)
        {
            sb.AppendLine($"Unknown names: {string.Join(", ", UnknownNames)} (names look like {string.Join(", ", _examples)}).");
        }

        if (first is null)
        {
            sb.AppendLine(Values.Count == 0 ? "Nothing to check." : "Every value agrees.");
        }
        else
        {
            int carried = Values.Count(v => !v.Agrees && v.FollowsFromYourValues && !ReferenceEquals(v, first));
            sb.AppendLine($"First wrong step: {first.Quantity}. You wrote {Explain.Expr.Format(first.Given, Explain.Notation.Text)}; {first.Equation}.");
            if (carried > 0)
            {
                sb.AppendLine($"{carried} later value(s) are wrong only because they carry earlier mistakes forward.");
            }
        }

        return sb.ToString();
    }
}

/// <summary>One value of a hand derivation, checked.</summary>
/// <param name="Written">The name as the student wrote it ("dL/dyhat").</param>
/// <param name="Quantity">The derivation's name for it ("dL/dŷ").</param>
/// <param name="Given">The student's value.</param>
/// <param name="Correct">The derivation's value.</param>
/// <param name="Agrees">Given and Correct agree within the tolerance.</param>
/// <param name="FromYourValues">This step's equation evaluated on the student's own earlier values (the correct one where none was given).</param>
/// <param name="FollowsFromYourValues">Given agrees with <paramref name="FromYourValues"/>: the step itself was done right.</param>
/// <param name="Equation">The step with the correct numbers: "dL/dŷ = sign(ŷ − y) = sign(0.375 − (−3)) = 1".</param>
/// <param name="YourEquation">The step with the student's numbers.</param>
public sealed record CheckedValue(
    string Written,
    string Quantity,
    double Given,
    double Correct,
    bool Agrees,
    double FromYourValues,
    bool FollowsFromYourValues,
    string Equation,
    string YourEquation);
