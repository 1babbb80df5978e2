using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using SkipNet.Explain;

namespace SkipNet;

// Check: a hand derivation compared with this one, value by value.
public sealed partial class Derivation
{
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
}
