using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace SkipNet;

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
