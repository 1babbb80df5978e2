using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace SkipNet.Explain;

/// <summary>How an equation is written: plain text (Unicode) or LaTeX.</summary>
internal enum Notation
{
    Text,
    Latex,
}

/// <summary>
/// One side of a scalar equation of a derivation: references to entries of other quantities,
/// numbers, sums, products and the few functions backpropagation needs. It evaluates itself (with
/// the derivation's values or with a student's) and writes itself symbolically or with numbers.
/// </summary>
internal abstract class Expr
{
    /// <summary>0: sum or difference; 1: product or quotient; 2: power; 3: atom or bracketed.</summary>
    public abstract int Precedence { get; }

    /// <summary>The sub-expressions, in writing order (none for a reference or a number).</summary>
    protected virtual IReadOnlyList<Expr> Children => [];

    /// <summary>Number of leaves (references and numbers): how big the expression is to read.</summary>
    public virtual int Size
    {
        get
        {
            int size = 0;
            foreach (var child in Children)
            {
                size += child.Size;
            }

            return size;
        }
    }

    public abstract double Evaluate(Func<Quantity, int, double> value);

    /// <summary>Writes the expression; with <paramref name="value"/> null, references are written as names, else as numbers.</summary>
    public abstract void Write(StringBuilder sb, Notation notation, Func<Quantity, int, double>? value, bool leading);

    public string ToString(Notation notation, Func<Quantity, int, double>? value)
    {
        var sb = new StringBuilder();
        Write(sb, notation, value, leading: true);
        return sb.ToString();
    }

    protected void WriteChild(StringBuilder sb, Expr child, int minimum, Notation notation, Func<Quantity, int, double>? value, bool leading)
    {
        if (child.Precedence < minimum)
        {
            sb.Append(notation == Notation.Latex ? "\\left(" : "(");
            child.Write(sb, notation, value, leading: true);
            sb.Append(notation == Notation.Latex ? "\\right)" : ")");
        }
        else
        {
            child.Write(sb, notation, value, leading);
        }
    }

    /// <summary>A number as a reader wants it: 0.375, −3, 0.333333 (six significant digits).</summary>
    public static string Format(double value, Notation notation)
    {
        string s = value == Math.Round(value) && Math.Abs(value) < 1e15
            ? value.ToString("0", CultureInfo.InvariantCulture)
            : value.ToString("G6", CultureInfo.InvariantCulture);
        if (s == "-0")
        {
            s = "0";
        }

        if (notation == Notation.Latex)
        {
            int e = s.IndexOf('E');
            return e < 0 ? s : $"{s.Substring(0, e)} \\times 10^{{{int.Parse(s.Substring(e + 1), CultureInfo.InvariantCulture)}}}";
        }

        return s.Replace('-', '−');
    }

    /// <summary>A number inside a larger expression: negative ones are bracketed unless they lead.</summary>
    protected static void WriteNumber(StringBuilder sb, double number, Notation notation, bool leading)
    {
        string s = Format(number, notation);
        bool bracket = !leading && (s.StartsWith("−", StringComparison.Ordinal) || s.StartsWith("-", StringComparison.Ordinal));
        sb.Append(bracket ? (notation == Notation.Latex ? "(" + s + ")" : "(" + s + ")") : s);
    }
}

/// <summary>An entry of a quantity: z_h1[2], W_h1[2,0], or the scalar w_h0.</summary>
internal sealed class Ref(Quantity quantity, int index) : Expr
{
    public Quantity Quantity { get; } = quantity;

    public int Index { get; } = index;

    public override int Precedence => 3;

    public override int Size => 1;

    public override double Evaluate(Func<Quantity, int, double> value) => value(Quantity, Index);

    public override void Write(StringBuilder sb, Notation notation, Func<Quantity, int, double>? value, bool leading)
    {
        if (value is null)
        {
            sb.Append(Quantity.EntryName(Index, notation));
        }
        else
        {
            WriteNumber(sb, value(Quantity, Index), notation, leading);
        }
    }
}

/// <summary>A constant of the equation (the 2 of MSE, the 1 of 1 − h², a width N).</summary>
internal sealed class Num(double number) : Expr
{
    public override int Precedence => 3;

    public override int Size => 1;

    public override double Evaluate(Func<Quantity, int, double> value) => number;

    public override void Write(StringBuilder sb, Notation notation, Func<Quantity, int, double>? value, bool leading) =>
        WriteNumber(sb, number, notation, leading);
}

/// <summary>a + b + c, summed left to right.</summary>
internal sealed class Sum(IReadOnlyList<Expr> terms) : Expr
{
    public override int Precedence => terms.Count == 1 ? terms[0].Precedence : 0;

    protected override IReadOnlyList<Expr> Children => terms;

    public override double Evaluate(Func<Quantity, int, double> value)
    {
        double sum = 0;
        foreach (var t in terms)
        {
            sum += t.Evaluate(value);
        }

        return sum;
    }

    public override void Write(StringBuilder sb, Notation notation, Func<Quantity, int, double>? value, bool leading)
    {
        for (int i = 0; i < terms.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(" + ");
            }

            WriteChild(sb, terms[i], 0, notation, value, leading && i == 0);
        }
    }
}

/// <summary>a − b.</summary>
internal sealed class Difference(Expr left, Expr right) : Expr
{
    public override int Precedence => 0;

    protected override IReadOnlyList<Expr> Children => [left, right];

    public override double Evaluate(Func<Quantity, int, double> value) => left.Evaluate(value) - right.Evaluate(value);

    public override void Write(StringBuilder sb, Notation notation, Func<Quantity, int, double>? value, bool leading)
    {
        WriteChild(sb, left, 0, notation, value, leading);
        sb.Append(notation == Notation.Latex ? " - " : " − ");
        WriteChild(sb, right, 1, notation, value, leading: false);
    }
}

/// <summary>a·b·c (written a × b × c with numbers).</summary>
internal sealed class Product(params Expr[] factors) : Expr
{
    public override int Precedence => 1;

    protected override IReadOnlyList<Expr> Children => factors;

    public override double Evaluate(Func<Quantity, int, double> value)
    {
        double product = factors[0].Evaluate(value);
        for (int i = 1; i < factors.Length; i++)
        {
            product *= factors[i].Evaluate(value);
        }

        return product;
    }

    public override void Write(StringBuilder sb, Notation notation, Func<Quantity, int, double>? value, bool leading)
    {
        string times = (notation, value is null) switch
        {
            (Notation.Latex, true) => " \\cdot ",
            (Notation.Latex, false) => " \\times ",
            (_, true) => "·",
            _ => " × ",
        };
        for (int i = 0; i < factors.Length; i++)
        {
            if (i > 0)
            {
                sb.Append(times);
            }

            WriteChild(sb, factors[i], 1, notation, value, leading && i == 0);
        }
    }
}

/// <summary>a / n, for the mean over a loss's N outputs.</summary>
internal sealed class Quotient(Expr numerator, Expr denominator) : Expr
{
    public override int Precedence => 1;

    protected override IReadOnlyList<Expr> Children => [numerator, denominator];

    public override double Evaluate(Func<Quantity, int, double> value) => numerator.Evaluate(value) / denominator.Evaluate(value);

    public override void Write(StringBuilder sb, Notation notation, Func<Quantity, int, double>? value, bool leading)
    {
        if (notation == Notation.Latex)
        {
            sb.Append("\\frac{");
            numerator.Write(sb, notation, value, leading: true);
            sb.Append("}{");
            denominator.Write(sb, notation, value, leading: true);
            sb.Append('}');
            return;
        }

        WriteChild(sb, numerator, 1, notation, value, leading);
        sb.Append('/');
        WriteChild(sb, denominator, 2, notation, value, leading: false);
    }
}

/// <summary>a², written (a)² when a is not an atom.</summary>
internal sealed class Square(Expr argument) : Expr
{
    public override int Precedence => 2;

    protected override IReadOnlyList<Expr> Children => [argument];

    public override double Evaluate(Func<Quantity, int, double> value)
    {
        double a = argument.Evaluate(value);
        return a * a;
    }

    public override void Write(StringBuilder sb, Notation notation, Func<Quantity, int, double>? value, bool leading)
    {
        // A negative number is bracketed before squaring: (−2)², not −2².
        WriteChild(sb, argument, 3, notation, value, leading: false);
        sb.Append(notation == Notation.Latex ? "^2" : "²");
    }
}

/// <summary>|a|.</summary>
internal sealed class Abs(Expr argument) : Expr
{
    public override int Precedence => 3;

    protected override IReadOnlyList<Expr> Children => [argument];

    public override double Evaluate(Func<Quantity, int, double> value) => Math.Abs(argument.Evaluate(value));

    public override void Write(StringBuilder sb, Notation notation, Func<Quantity, int, double>? value, bool leading)
    {
        sb.Append(notation == Notation.Latex ? "\\left\\lvert " : "|");
        argument.Write(sb, notation, value, leading: true);
        sb.Append(notation == Notation.Latex ? " \\right\\rvert" : "|");
    }
}

/// <summary>[z ≥ 0]: 1 when the condition holds, else 0 (ReLU's derivative, 1 at exactly 0).</summary>
internal sealed class Indicator(Expr argument) : Expr
{
    public override int Precedence => 3;

    protected override IReadOnlyList<Expr> Children => [argument];

    public override double Evaluate(Func<Quantity, int, double> value) => argument.Evaluate(value) >= 0 ? 1 : 0;

    public override void Write(StringBuilder sb, Notation notation, Func<Quantity, int, double>? value, bool leading)
    {
        sb.Append('[');
        argument.Write(sb, notation, value, leading: true);
        sb.Append(notation == Notation.Latex ? " \\ge 0]" : " ≥ 0]");
    }
}

/// <summary>A named function of one argument: ReLU(z), tanh(z), σ(z), sign(a), LeakyReLU'(z).</summary>
internal sealed class Call(string text, string latex, Expr argument, Func<double, double> function) : Expr
{
    public override int Precedence => 3;

    protected override IReadOnlyList<Expr> Children => [argument];

    public override double Evaluate(Func<Quantity, int, double> value) => function(argument.Evaluate(value));

    public override void Write(StringBuilder sb, Notation notation, Func<Quantity, int, double>? value, bool leading)
    {
        sb.Append(notation == Notation.Latex ? latex + "\\left(" : text + "(");
        argument.Write(sb, notation, value, leading: true);
        sb.Append(notation == Notation.Latex ? "\\right)" : ")");
    }
}

/// <summary>A function of two arguments by name: "Pinball(ŷ, y)", evaluated in double.</summary>
internal sealed class Call2(string text, string latex, Expr first, Expr second, Func<double, double, double> function) : Expr
{
    public override int Precedence => 3;

    protected override IReadOnlyList<Expr> Children => [first, second];

    public override double Evaluate(Func<Quantity, int, double> value) => function(first.Evaluate(value), second.Evaluate(value));

    public override void Write(StringBuilder sb, Notation notation, Func<Quantity, int, double>? value, bool leading)
    {
        sb.Append(notation == Notation.Latex ? latex + "\\left(" : text + "(");
        first.Write(sb, notation, value, leading: true);
        sb.Append(", ");
        second.Write(sb, notation, value, leading: true);
        sb.Append(notation == Notation.Latex ? "\\right)" : ")");
    }
}

/// <summary>A named constant: written by its name ("B"), or by its value when numbers are written.</summary>
internal sealed class Constant(string name, double number) : Expr
{
    public override int Precedence => 3;

    public override int Size => 1;

    public override double Evaluate(Func<Quantity, int, double> value) => number;

    public override void Write(StringBuilder sb, Notation notation, Func<Quantity, int, double>? value, bool leading) =>
        sb.Append(value is null ? name : Format(number, notation));
}
