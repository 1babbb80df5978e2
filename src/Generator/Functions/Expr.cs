using System;

namespace SkipNet.Generator.Functions;

/// <summary>The operations a [Differentiable] body may use (docs/conventions.md, "User-defined functions").</summary>
internal enum Op
{
    Add,
    Subtract,
    Multiply,
    Divide,
    Negate,
    Exp,
    Log,
    Sqrt,
    Pow,
    Tanh,
    Sinh,
    Cosh,
    Sin,
    Cos,
    Abs,
    Max,
    Min,
}

/// <summary>The comparison of a conditional's test.</summary>
internal enum Comparison
{
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    Equal,
    NotEqual,
}

/// <summary>
/// A scalar expression of a [Differentiable] function, after its locals, constants and calls have
/// been substituted: a tree of values with structural equality, so the pipeline caches it and
/// common subexpressions are found by comparing. No Roslyn type reaches here.
/// </summary>
internal abstract record Expr
{
    public static Expr Number(double value) => new Constant(value);

    public static readonly Expr Zero = new Constant(0);

    public static readonly Expr One = new Constant(1);

    public static Expr operator +(Expr a, Expr b) => new Binary(Op.Add, a, b);

    public static Expr operator -(Expr a, Expr b) => new Binary(Op.Subtract, a, b);

    public static Expr operator *(Expr a, Expr b) => new Binary(Op.Multiply, a, b);

    public static Expr operator /(Expr a, Expr b) => new Binary(Op.Divide, a, b);

    public static Expr operator -(Expr a) => new Unary(Op.Negate, a);

    public static Expr Call(Op op, Expr a) => new Unary(op, a);

    public static Expr Call(Op op, Expr a, Expr b) => new Binary(op, a, b);

    /// <summary>The nodes in the tree (for limits on size).</summary>
    public abstract int Size { get; }
}

/// <summary>A literal or a folded constant.</summary>
internal sealed record Constant(double Value) : Expr
{
    public override int Size => 1;

    // Equal as numbers, bit for bit (so 0 and −0 differ and NaN equals itself).
    public bool Equals(Constant? other) => other is not null && BitConverter.DoubleToInt64Bits(Value) == BitConverter.DoubleToInt64Bits(other.Value);

    public override int GetHashCode() => BitConverter.DoubleToInt64Bits(Value).GetHashCode();
}

/// <summary>A parameter of the function.</summary>
internal sealed record Variable(string Name) : Expr
{
    public override int Size => 1;
}

/// <summary>Negation or a one-argument function.</summary>
internal sealed record Unary(Op Op, Expr Operand) : Expr
{
    public override int Size { get; } = 1 + Operand.Size;
}

/// <summary>An arithmetic operator or a two-argument function (Pow, Max, Min).</summary>
internal sealed record Binary(Op Op, Expr Left, Expr Right) : Expr
{
    public override int Size { get; } = 1 + Left.Size + Right.Size;
}

/// <summary><c>Left Comparison Right ? WhenTrue : WhenFalse</c>.</summary>
internal sealed record Conditional(Comparison Comparison, Expr Left, Expr Right, Expr WhenTrue, Expr WhenFalse) : Expr
{
    public override int Size { get; } = 1 + Left.Size + Right.Size + WhenTrue.Size + WhenFalse.Size;
}
