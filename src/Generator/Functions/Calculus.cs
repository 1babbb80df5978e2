using System;

namespace SkipNet.Generator.Functions;

/// <summary>
/// Symbolic derivatives by the chain rule, simplified as they are built (constants folded, x·1, x+0,
/// x·0 and the like removed), so the result is the formula one would write by hand. At a kink the
/// derivative is the one of the branch the value takes: |a| is <c>a &lt; 0 ? −a : a</c>, Max(a, b) is
/// <c>a ≥ b ? a : b</c> and Min(a, b) <c>a ≤ b ? a : b</c> (equal arguments take the first).
/// </summary>
internal static class Calculus
{
    /// <summary>d<paramref name="e"/>/d<paramref name="variable"/>.</summary>
    public static Expr Derivative(Expr e, string variable) => e switch
    {
        Constant => Expr.Zero,
        Variable v => v.Name == variable ? Expr.One : Expr.Zero,
        Unary u => Chain(u, Derivative(u.Operand, variable)),
        Binary b => Derivative(b, variable),
        Conditional c => Simplify.Condition(c.Comparison, c.Left, c.Right, Derivative(c.WhenTrue, variable), Derivative(c.WhenFalse, variable)),
        _ => throw new ArgumentException("Unknown expression " + e.GetType().Name),
    };

    /// <summary>f(a)' = f'(a)·a'.</summary>
    private static Expr Chain(Unary u, Expr da)
    {
        if (Simplify.IsZero(da))
        {
            return Expr.Zero;
        }

        var a = u.Operand;
        Expr outer = u.Op switch
        {
            Op.Negate => Expr.Number(-1),
            Op.Exp => u,                                                              // (e^a)' = e^a
            Op.Log => Simplify.Divide(Expr.One, a),                                   // (ln a)' = 1/a
            Op.Sqrt => Simplify.Divide(Expr.Number(0.5), u),                          // (√a)' = 1/(2√a)
            Op.Tanh => Simplify.Subtract(Expr.One, Simplify.Multiply(u, u)),          // 1 − tanh²a
            Op.Sinh => Simplify.Call(Op.Cosh, a),
            Op.Cosh => Simplify.Call(Op.Sinh, a),
            Op.Sin => Simplify.Call(Op.Cos, a),
            Op.Cos => Simplify.Negate(Simplify.Call(Op.Sin, a)),
            Op.Abs => Simplify.Condition(Comparison.Less, a, Expr.Zero, Expr.Number(-1), Expr.One),
            _ => throw new ArgumentException("Not a one-argument operation: " + u.Op),
        };

        return u.Op switch
        {
            Op.Negate => Simplify.Negate(da),
            Op.Log => Simplify.Divide(da, a),                                         // a'/a
            _ => Simplify.Multiply(outer, da),
        };
    }

    private static Expr Derivative(Binary b, string variable)
    {
        Expr a = b.Left, c = b.Right;
        Expr da = Derivative(a, variable), dc = Derivative(c, variable);
        switch (b.Op)
        {
            case Op.Add:
                return Simplify.Add(da, dc);
            case Op.Subtract:
                return Simplify.Subtract(da, dc);
            case Op.Multiply:
                // (a·c)' = a'·c + a·c'
                return Simplify.Add(Simplify.Multiply(da, c), Simplify.Multiply(a, dc));
            case Op.Divide:
                // (a/c)' = a'/c − a·c'/c²
                return Simplify.Subtract(Simplify.Divide(da, c), Simplify.Divide(Simplify.Multiply(a, dc), Simplify.Multiply(c, c)));
            case Op.Pow:
                if (c is Constant k)
                {
                    // (a^k)' = k·a^(k−1)·a'
                    var power = k.Value == 2 ? a : Simplify.Call(Op.Pow, a, Expr.Number(k.Value - 1));
                    return Simplify.Multiply(Simplify.Multiply(k, power), da);
                }

                // (a^c)' = a^c·(c'·ln a + c·a'/a)
                return Simplify.Multiply(b, Simplify.Add(Simplify.Multiply(dc, Simplify.Call(Op.Log, a)), Simplify.Divide(Simplify.Multiply(c, da), a)));
            case Op.Max:
                return Simplify.Condition(Comparison.GreaterOrEqual, a, c, da, dc);
            case Op.Min:
                return Simplify.Condition(Comparison.LessOrEqual, a, c, da, dc);
            default:
                throw new ArgumentException("Not a two-argument operation: " + b.Op);
        }
    }
}

/// <summary>Builders that simplify as they build: the rules are exact for finite values.</summary>
internal static class Simplify
{
    public static bool IsZero(Expr e) => e is Constant { Value: 0 };

    public static bool IsOne(Expr e) => e is Constant { Value: 1 };

    public static Expr Add(Expr a, Expr b)
    {
        if (a is Constant x && b is Constant y)
        {
            return Expr.Number(x.Value + y.Value);
        }

        if (IsZero(a))
        {
            return b;
        }

        if (IsZero(b))
        {
            return a;
        }

        // a + (−b) = a − b
        return b is Unary { Op: Op.Negate } n ? Subtract(a, n.Operand) : a + b;
    }

    public static Expr Subtract(Expr a, Expr b)
    {
        if (a is Constant x && b is Constant y)
        {
            return Expr.Number(x.Value - y.Value);
        }

        if (IsZero(b))
        {
            return a;
        }

        if (IsZero(a))
        {
            return Negate(b);
        }

        return b is Unary { Op: Op.Negate } n ? Add(a, n.Operand) : a - b;
    }

    public static Expr Multiply(Expr a, Expr b)
    {
        if (a is Constant x && b is Constant y)
        {
            return Expr.Number(x.Value * y.Value);
        }

        if (IsZero(a) || IsZero(b))
        {
            return Expr.Zero;
        }

        if (IsOne(a))
        {
            return b;
        }

        if (IsOne(b))
        {
            return a;
        }

        if (a is Constant { Value: -1 })
        {
            return Negate(b);
        }

        if (b is Constant { Value: -1 })
        {
            return Negate(a);
        }

        // (−a)·(−b) = a·b; a constant goes first.
        if (a is Unary { Op: Op.Negate } na && b is Unary { Op: Op.Negate } nb)
        {
            return Multiply(na.Operand, nb.Operand);
        }

        return b is Constant && a is not Constant ? b * a : a * b;
    }

    public static Expr Divide(Expr a, Expr b)
    {
        if (a is Constant x && b is Constant y && y.Value != 0)
        {
            return Expr.Number(x.Value / y.Value);
        }

        if (IsZero(a))
        {
            return Expr.Zero;
        }

        return IsOne(b) ? a : a / b;
    }

    public static Expr Negate(Expr a) => a switch
    {
        Constant c => Expr.Number(-c.Value),
        Unary { Op: Op.Negate } n => n.Operand,
        _ => -a,
    };

    public static Expr Call(Op op, Expr a) => a is Constant c && Fold(op, c.Value) is { } v ? Expr.Number(v) : Expr.Call(op, a);

    public static Expr Call(Op op, Expr a, Expr b)
    {
        if (a is Constant x && b is Constant y)
        {
            return Expr.Number(op switch
            {
                Op.Pow => Math.Pow(x.Value, y.Value),
                Op.Max => Math.Max(x.Value, y.Value),
                _ => Math.Min(x.Value, y.Value),
            });
        }

        if (op == Op.Pow && IsOne(b))
        {
            return a;
        }

        if (op == Op.Pow && IsZero(b))
        {
            return Expr.One;
        }

        return Expr.Call(op, a, b);
    }

    /// <summary>
    /// A conditional; with equal branches, the branch; comparing a value with itself, the branch that
    /// holds for every number (a ≤ a, a == a: true; a &lt; a, a ≠ a: false).
    /// </summary>
    public static Expr Condition(Comparison comparison, Expr left, Expr right, Expr whenTrue, Expr whenFalse)
    {
        if (whenTrue.Equals(whenFalse))
        {
            return whenTrue;
        }

        if (left.Equals(right))
        {
            return comparison is Comparison.LessOrEqual or Comparison.GreaterOrEqual or Comparison.Equal ? whenTrue : whenFalse;
        }

        if (left is Constant a && right is Constant b)
        {
            return Formula.Holds(comparison, a.Value, b.Value) ? whenTrue : whenFalse;
        }

        return new Conditional(comparison, left, right, whenTrue, whenFalse);
    }

    /// <summary>The expression rebuilt through these builders, bottom up.</summary>
    public static Expr Tree(Expr e) => e switch
    {
        Unary { Op: Op.Negate } n => Negate(Tree(n.Operand)),
        Unary u => Call(u.Op, Tree(u.Operand)),
        Binary b => b.Op switch
        {
            Op.Add => Add(Tree(b.Left), Tree(b.Right)),
            Op.Subtract => Subtract(Tree(b.Left), Tree(b.Right)),
            Op.Multiply => Multiply(Tree(b.Left), Tree(b.Right)),
            Op.Divide => Divide(Tree(b.Left), Tree(b.Right)),
            _ => Call(b.Op, Tree(b.Left), Tree(b.Right)),
        },
        Conditional c => Condition(c.Comparison, Tree(c.Left), Tree(c.Right), Tree(c.WhenTrue), Tree(c.WhenFalse)),
        _ => e,
    };

    private static double? Fold(Op op, double v) => op switch
    {
        Op.Negate => -v,
        Op.Exp => Math.Exp(v),
        Op.Log => Math.Log(v),
        Op.Sqrt => Math.Sqrt(v),
        Op.Tanh => Math.Tanh(v),
        Op.Sinh => Math.Sinh(v),
        Op.Cosh => Math.Cosh(v),
        Op.Sin => Math.Sin(v),
        Op.Cos => Math.Cos(v),
        Op.Abs => Math.Abs(v),
        _ => null,
    };
}
