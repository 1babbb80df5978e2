using System;

namespace SkipNet.Explain;

/// <summary>Where a quantity appears in a training step.</summary>
internal enum Stage
{
    Given,
    Forward,
    Loss,
    Backward,
    Update,
    After,
}

/// <summary>
/// A named scalar, vector or matrix of a derivation (x, z_h1, W_h1, dL/dz_h1, w_h0', L), with its
/// values and, unless it is given, the equation that defines each entry.
/// </summary>
internal sealed class Quantity
{
    private readonly string _latex;

    // name: the text name ("z_h1", "dL/dW_h1", "w_h0'", "ŷ"); latex: the LaTeX name with '#' where an
    // entry's index goes ("z_{h1}#", "\frac{\partial L}{\partial z_{h1}#}"); order: position in the step.
    public Quantity(string name, string latex, int rows, int cols, Stage stage, int order)
    {
        Name = name;
        _latex = latex;
        Rows = rows;
        Cols = cols;
        Stage = stage;
        Order = order;
        Values = new double[rows * cols];
    }

    public string Name { get; }

    public int Rows { get; }

    public int Cols { get; }

    public int Length => Rows * Cols;

    public Stage Stage { get; }

    /// <summary>Position in the derivation: quantities are computed in this order.</summary>
    public int Order { get; }

    public double[] Values { get; }

    /// <summary>Each entry's equation; null for given quantities (x, y, α, the parameters).</summary>
    public Func<int, Expr>? Entry { get; set; }

    /// <summary>The whole quantity's equation, for summaries of wide layers: "W_h1·h0 + b_h1".</summary>
    public string Formula { get; set; } = "";

    public string FormulaLatex { get; set; } = "";

    /// <summary>A remark written after the equation: "2 paths: through h1, skip h0->y".</summary>
    public string? Note { get; set; }

    public string Shape => Cols == 1 ? Rows.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{Rows}×{Cols}";

    public string LatexName => _latex.Replace("#", "");

    public string EntryName(int index, Notation notation)
    {
        string suffix = Length == 1 ? "" : Cols == 1 ? $"[{index}]" : $"[{index / Cols},{index % Cols}]";
        return notation == Notation.Latex ? _latex.Replace("#", suffix) : Name + suffix;
    }
}
