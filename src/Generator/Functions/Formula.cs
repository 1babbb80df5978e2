using System;
using System.Collections.Generic;
using System.Linq;
using SkipNet.Generator.Emit;
using SkipNet.Generator.Model;

namespace SkipNet.Generator.Functions;

/// <summary>
/// An expression as C# of the network's precision (Math or MathF, typed literals), as a formula for
/// comments ("x·tanh(ln(1 + exp(x)))"), and as a number (double, for checks). Parentheses keep the
/// tree's order of evaluation exactly: a + (b + c) stays as written.
/// </summary>
internal static class Formula
{
    /// <summary>Statements that compute <paramref name="roots"/>, each subexpression met twice or more held in a local.</summary>
    /// <param name="roots">The values to compute (a function and its derivatives).</param>
    /// <param name="precision">double or float.</param>
    /// <param name="local">Names the n-th shared local (the caller keeps them apart from the parameters).</param>
    /// <returns>The local declarations in order, and each root as an expression over the locals.</returns>
    public static (IReadOnlyList<string> Statements, IReadOnlyList<string> Roots) Lower(IReadOnlyList<Expr> roots, Precision precision, Func<int, string> local)
    {
        var counts = new Dictionary<Expr, int>();
        foreach (var root in roots)
        {
            Count(root, counts);
        }

        var names = new Dictionary<Expr, string>();
        var statements = new List<string>();
        string type = precision == Precision.Single ? "float" : "double";
        string Bind(Expr e) => CSharp(e, precision, sub =>
        {
            if (names.TryGetValue(sub, out var name))
            {
                return name;
            }

            if (sub.Size > 1 && counts.TryGetValue(sub, out int n) && n > 1)
            {
                string text = Bind(sub);
                name = local(names.Count);
                statements.Add($"{type} {name} = {text};");
                names[sub] = name;
                return name;
            }

            return null;
        });

        var lowered = roots.Select(r => Bind(r)).ToList();
        return (statements, lowered);
    }

    /// <summary>Counts each subexpression once per occurrence, not descending into a repeat (whose parts are counted already).</summary>
    private static void Count(Expr e, Dictionary<Expr, int> counts)
    {
        if (e is Constant or Variable)
        {
            return;
        }

        counts.TryGetValue(e, out int n);
        counts[e] = n + 1;
        if (n > 0)
        {
            return;
        }

        foreach (var child in Children(e))
        {
            Count(child, counts);
        }
    }

    public static IEnumerable<Expr> Children(Expr e) => e switch
    {
        Unary u => new[] { u.Operand },
        Binary b => new[] { b.Left, b.Right },
        Conditional c => new[] { c.Left, c.Right, c.WhenTrue, c.WhenFalse },
        _ => Array.Empty<Expr>(),
    };

    /// <summary>C# for <paramref name="e"/>; <paramref name="shared"/> may name a subexpression instead (null: write it out).</summary>
    public static string CSharp(Expr e, Precision precision, Func<Expr, string?>? shared = null)
    {
        string math = precision == Precision.Single ? "global::System.MathF" : "global::System.Math";
        string type = precision == Precision.Single ? "float" : "double";
        return Write(e, Style.CSharp, precision, math, type, shared, top: true).Text;
    }

    /// <summary>The formula as one would write it: "x·tanh(ln(1 + exp(x)))", "y − ŷ < 0 ? … : …".</summary>
    public static string Text(Expr e) => Write(e, Style.Math, Precision.Double, "", "", null, top: true).Text;

    /// <summary>The value in double, the variables read from <paramref name="variables"/>.</summary>
    public static double Evaluate(Expr e, Func<string, double> variables) => e switch
    {
        Constant c => c.Value,
        Variable v => variables(v.Name),
        Unary u => Apply(u.Op, Evaluate(u.Operand, variables)),
        Binary b => Apply(b.Op, Evaluate(b.Left, variables), Evaluate(b.Right, variables)),
        Conditional c => Holds(c.Comparison, Evaluate(c.Left, variables), Evaluate(c.Right, variables)) ? Evaluate(c.WhenTrue, variables) : Evaluate(c.WhenFalse, variables),
        _ => throw new ArgumentException("Unknown expression " + e.GetType().Name),
    };

    public static double Apply(Op op, double a) => op switch
    {
        Op.Negate => -a,
        Op.Exp => Math.Exp(a),
        Op.Log => Math.Log(a),
        Op.Sqrt => Math.Sqrt(a),
        Op.Tanh => Math.Tanh(a),
        Op.Sinh => Math.Sinh(a),
        Op.Cosh => Math.Cosh(a),
        Op.Sin => Math.Sin(a),
        Op.Cos => Math.Cos(a),
        Op.Abs => Math.Abs(a),
        _ => throw new ArgumentException("Not a one-argument operation: " + op),
    };

    public static double Apply(Op op, double a, double b) => op switch
    {
        Op.Add => a + b,
        Op.Subtract => a - b,
        Op.Multiply => a * b,
        Op.Divide => a / b,
        Op.Pow => Math.Pow(a, b),
        Op.Max => Math.Max(a, b),
        Op.Min => Math.Min(a, b),
        _ => throw new ArgumentException("Not a two-argument operation: " + op),
    };

    public static bool Holds(Comparison comparison, double a, double b) => comparison switch
    {
        Comparison.Less => a < b,
        Comparison.LessOrEqual => a <= b,
        Comparison.Greater => a > b,
        Comparison.GreaterOrEqual => a >= b,
        Comparison.Equal => a == b,
        _ => a != b,
    };

    private enum Style
    {
        CSharp,
        Math,
    }

    // Precedence: conditional 1, additive 2, multiplicative 3, unary minus 4, calls and atoms 5.
    private static (string Text, int Precedence) Write(Expr e, Style style, Precision precision, string math, string type, Func<Expr, string?>? shared, bool top)
    {
        if (!top && shared?.Invoke(e) is { } name)
        {
            return (name, 5);
        }

        (string, int) Sub(Expr child) => Write(child, style, precision, math, type, shared, top: false);
        string Call(string csharp, string text, params Expr[] args)
        {
            string list = string.Join(", ", args.Select(a => Sub(a).Item1));
            return style == Style.CSharp ? $"{math}.{csharp}({list})" : $"{text}({list})";
        }

        switch (e)
        {
            case Constant c:
                {
                    string literal = style == Style.CSharp ? Literals.Number(c.Value, precision) : Literals.Describe(c.Value);
                    return literal.StartsWith("-", StringComparison.Ordinal) ? ("(" + literal + ")", 5) : (literal, 5);
                }

            case Variable v:
                return (v.Name, 5);
            case Unary { Op: Op.Negate } n:
                {
                    var (text, p) = Sub(n.Operand);
                    return ("-" + (p < 5 || text.StartsWith("-", StringComparison.Ordinal) ? "(" + text + ")" : text), 4);
                }

            case Unary u:
                return (u.Op switch
                {
                    Op.Log => Call("Log", "ln", u.Operand),
                    Op.Abs => style == Style.Math ? "|" + Sub(u.Operand).Item1 + "|" : Call("Abs", "", u.Operand),
                    _ => Call(u.Op.ToString(), u.Op.ToString().ToLowerInvariant(), u.Operand),
                }, 5);
            case Binary { Op: Op.Pow or Op.Max or Op.Min } f:
                return (Call(f.Op.ToString(), f.Op.ToString().ToLowerInvariant(), f.Left, f.Right), 5);
            case Binary b:
                {
                    int precedence = b.Op is Op.Add or Op.Subtract ? 2 : 3;
                    string symbol = b.Op switch
                    {
                        Op.Add => "+",
                        Op.Subtract => style == Style.CSharp ? "-" : "−",
                        Op.Multiply => style == Style.CSharp ? "*" : "·",
                        _ => "/",
                    };
                    var (left, lp) = Sub(b.Left);
                    var (right, rp) = Sub(b.Right);
                    left = lp < precedence ? "(" + left + ")" : left;
                    right = rp <= precedence ? "(" + right + ")" : right;
                    return (style == Style.Math && b.Op == Op.Multiply ? left + (NeedsDot(b) ? symbol : "") + right : $"{left} {symbol} {right}", precedence);
                }

            case Conditional c:
                {
                    string comparison = c.Comparison switch
                    {
                        Comparison.Less => "<",
                        Comparison.LessOrEqual => style == Style.CSharp ? "<=" : "≤",
                        Comparison.Greater => ">",
                        Comparison.GreaterOrEqual => style == Style.CSharp ? ">=" : "≥",
                        Comparison.Equal => "==",
                        _ => style == Style.CSharp ? "!=" : "≠",
                    };
                    string Operand(Expr x)
                    {
                        var (text, p) = Sub(x);
                        return p <= 1 ? "(" + text + ")" : text;
                    }

                    return ($"{Operand(c.Left)} {comparison} {Operand(c.Right)} ? {Operand(c.WhenTrue)} : {Operand(c.WhenFalse)}", 1);
                }

            default:
                throw new ArgumentException("Unknown expression " + e.GetType().Name);
        }
    }

    /// <summary>Whether a product is written with its dot: always, but for a number before a name or call ("2x", "0.5exp(x)" would read badly, so only "2x").</summary>
    private static bool NeedsDot(Binary product) => !(product.Left is Constant && product.Right is Variable);
}
