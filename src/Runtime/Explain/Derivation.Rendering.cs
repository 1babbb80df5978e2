using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using SkipNet.Explain;

namespace SkipNet;

// Explain's text and Markdown: every equation with its numbers, wide quantities summarised.
public sealed partial class Derivation
{
    private const int ListedEntries = 16;

    /// <summary>... and each entry's equation has at most this many terms.</summary>
    private const int ListedTerms = 24;

    /// <summary>The derivation as plain text (Unicode), one equation per line.</summary>
    public string ToText() => Render(Notation.Text);

    /// <summary>The derivation as Markdown with LaTeX math ($$ … $$), which GitHub renders.</summary>
    public string ToMarkdown() => Render(Notation.Latex);

    /// <inheritdoc cref="ToText"/>
    public override string ToString() => ToText();

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
        string lossName = LossInfo.Of(arch).Name(F(arch.HuberDelta));

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

        // The user's [Differentiable] functions, and the derivatives the generated code computes.
        foreach (var function in arch.Functions())
        {
            string of = string.Join(", ", function.Parameters), first = function.Parameters[0];
            if (md)
            {
                string name = $"\\operatorname{{{function.Name}}}";
                Line($"$${name}({of}) = {function.Body.ToLatex(p => p)}, \\qquad \\frac{{\\partial {name}}}{{\\partial {first}}} = {function.Derivative.ToLatex(p => p)}$$");
            }
            else
            {
                sb.AppendLine($"  {function.Name}({of}) = {function.Body}; ∂{function.Name}/∂{first} = {function.Derivative}");
            }
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
