using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace SkipNet;

/// <summary>
/// A <see cref="DifferentiableAttribute"/> function as the generator read it: its parameters, its body
/// (locals, constants and calls to other [Differentiable] methods substituted) and its derivative with
/// respect to the first parameter, as the generated code computes it. A layer's function
/// (<see cref="LayerInfo.Function"/>) takes z; a loss (<see cref="NetworkArchitecture.LossFunction"/>)
/// takes ŷ, then y, and is averaged over every output.
/// </summary>
public sealed class DifferentiableFunction
{
    /// <summary>Describes a function.</summary>
    /// <exception cref="ArgumentException">No parameters, or the expressions read a name that is not a parameter.</exception>
    public DifferentiableFunction(string name, IReadOnlyList<string> parameters, FunctionExpression body, FunctionExpression derivative)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(derivative);
        if (parameters.Count == 0)
        {
            throw new ArgumentException($"Function '{name}' needs at least one parameter.", nameof(parameters));
        }

        foreach (var read in body.Parameters().Concat(derivative.Parameters()))
        {
            if (!parameters.Contains(read))
            {
                throw new ArgumentException($"Function '{name}' reads '{read}', which is not one of its parameters ({string.Join(", ", parameters)}).", nameof(body));
            }
        }

        Name = name;
        Parameters = parameters.ToArray();
        Body = body;
        Derivative = derivative;
    }

    /// <summary>The method's name.</summary>
    public string Name { get; }

    /// <summary>The parameters' names, in order.</summary>
    public IReadOnlyList<string> Parameters { get; }

    /// <summary>The value.</summary>
    public FunctionExpression Body { get; }

    /// <summary>The derivative with respect to the first parameter.</summary>
    public FunctionExpression Derivative { get; }

    /// <summary>The value at <paramref name="arguments"/> (one per parameter), in double.</summary>
    /// <exception cref="ArgumentException">Not one argument per parameter.</exception>
    public double Evaluate(params double[] arguments) => Body.Evaluate(Bind(arguments));

    /// <summary>The derivative with respect to the first parameter at <paramref name="arguments"/>, in double.</summary>
    /// <exception cref="ArgumentException">Not one argument per parameter.</exception>
    public double EvaluateDerivative(params double[] arguments) => Derivative.Evaluate(Bind(arguments));

    private Func<string, double> Bind(double[] arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        if (arguments.Length != Parameters.Count)
        {
            throw new ArgumentException($"{Name} takes {Parameters.Count} argument(s), not {arguments.Length}.", nameof(arguments));
        }

        return name =>
        {
            for (int i = 0; i < arguments.Length; i++)
            {
                if (Parameters[i] == name)
                {
                    return arguments[i];
                }
            }

            throw new ArgumentException($"'{name}' is not a parameter of {Name}.", nameof(name));
        };
    }

    /// <summary>"Mish(x) = x·tanh(ln(1 + exp(x)))".</summary>
    public override string ToString() => $"{Name}({string.Join(", ", Parameters)}) = {Body}";
}

/// <summary>What a <see cref="FunctionExpression"/> node does.</summary>
public enum FunctionOperation
{
    /// <summary>A number (<see cref="FunctionExpression.Value"/>).</summary>
    Constant,

    /// <summary>A parameter (<see cref="FunctionExpression.Name"/>).</summary>
    Parameter,

    /// <summary>−a.</summary>
    Negate,

    /// <summary>a + b.</summary>
    Add,

    /// <summary>a − b.</summary>
    Subtract,

    /// <summary>a·b.</summary>
    Multiply,

    /// <summary>a / b.</summary>
    Divide,

    /// <summary>eᵃ.</summary>
    Exp,

    /// <summary>ln a.</summary>
    Log,

    /// <summary>√a.</summary>
    Sqrt,

    /// <summary>aᵇ (Math.Pow).</summary>
    Pow,

    /// <summary>tanh a.</summary>
    Tanh,

    /// <summary>sinh a.</summary>
    Sinh,

    /// <summary>cosh a.</summary>
    Cosh,

    /// <summary>sin a.</summary>
    Sin,

    /// <summary>cos a.</summary>
    Cos,

    /// <summary>|a|.</summary>
    Abs,

    /// <summary>Math.Max(a, b).</summary>
    Max,

    /// <summary>Math.Min(a, b).</summary>
    Min,

    /// <summary>a ⋚ b ? c : d, the comparison in <see cref="FunctionExpression.Comparison"/>.</summary>
    Condition,
}

/// <summary>The comparison of a <see cref="FunctionOperation.Condition"/>.</summary>
public enum FunctionComparison
{
    /// <summary>a &lt; b.</summary>
    Less,

    /// <summary>a ≤ b.</summary>
    LessOrEqual,

    /// <summary>a &gt; b.</summary>
    Greater,

    /// <summary>a ≥ b.</summary>
    GreaterOrEqual,

    /// <summary>a = b.</summary>
    Equal,

    /// <summary>a ≠ b.</summary>
    NotEqual,
}

/// <summary>A node of a <see cref="DifferentiableFunction"/>'s body or derivative: immutable, evaluated in double.</summary>
public sealed class FunctionExpression
{
    private FunctionExpression(FunctionOperation operation, double value, string? name, FunctionComparison comparison, FunctionExpression[] operands)
    {
        Operation = operation;
        Value = value;
        Name = name;
        Comparison = comparison;
        Operands = operands;
    }

    /// <summary>What the node does.</summary>
    public FunctionOperation Operation { get; }

    /// <summary>A constant's value (0 for other nodes).</summary>
    public double Value { get; }

    /// <summary>A parameter's name (null for other nodes).</summary>
    public string? Name { get; }

    /// <summary>A condition's comparison.</summary>
    public FunctionComparison Comparison { get; }

    /// <summary>The operands: none, one, two, or a condition's four (left, right, when true, when false).</summary>
    public IReadOnlyList<FunctionExpression> Operands { get; }

    /// <summary>A number.</summary>
    public static FunctionExpression Constant(double value) => new(FunctionOperation.Constant, value, null, default, []);

    /// <summary>A parameter of the function.</summary>
    public static FunctionExpression Parameter(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return new(FunctionOperation.Parameter, 0, name, default, []);
    }

    /// <summary>An operation on one operand (Negate, Exp, …) or two (Add, Pow, Max, …).</summary>
    /// <exception cref="ArgumentException">The operation takes another number of operands, or is Constant, Parameter or Condition.</exception>
    public static FunctionExpression Apply(FunctionOperation operation, params FunctionExpression[] operands)
    {
        ArgumentNullException.ThrowIfNull(operands);
        int expected = Arity(operation);
        if (expected != operands.Length || operands.Any(o => o is null))
        {
            throw new ArgumentException(expected == 0
                ? $"{operation} is not an operation on operands: use {nameof(Constant)}, {nameof(Parameter)} or {nameof(Condition)}."
                : $"{operation} takes {expected} operand(s), not {operands.Length}.", nameof(operands));
        }

        return new(operation, 0, null, default, operands.ToArray());
    }

    /// <summary>left ⋚ right ? whenTrue : whenFalse.</summary>
    public static FunctionExpression Condition(FunctionComparison comparison, FunctionExpression left, FunctionExpression right, FunctionExpression whenTrue, FunctionExpression whenFalse)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        ArgumentNullException.ThrowIfNull(whenTrue);
        ArgumentNullException.ThrowIfNull(whenFalse);
        return new(FunctionOperation.Condition, 0, null, comparison, [left, right, whenTrue, whenFalse]);
    }

    private static int Arity(FunctionOperation operation) => operation switch
    {
        FunctionOperation.Negate or FunctionOperation.Exp or FunctionOperation.Log or FunctionOperation.Sqrt or FunctionOperation.Tanh
            or FunctionOperation.Sinh or FunctionOperation.Cosh or FunctionOperation.Sin or FunctionOperation.Cos or FunctionOperation.Abs => 1,
        FunctionOperation.Add or FunctionOperation.Subtract or FunctionOperation.Multiply or FunctionOperation.Divide
            or FunctionOperation.Pow or FunctionOperation.Max or FunctionOperation.Min => 2,
        _ => 0,
    };

    /// <summary>The value in double, each parameter's from <paramref name="parameters"/>.</summary>
    public double Evaluate(Func<string, double> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        double A() => Operands[0].Evaluate(parameters);
        double B() => Operands[1].Evaluate(parameters);
        return Operation switch
        {
            FunctionOperation.Constant => Value,
            FunctionOperation.Parameter => parameters(Name!),
            FunctionOperation.Negate => -A(),
            FunctionOperation.Add => A() + B(),
            FunctionOperation.Subtract => A() - B(),
            FunctionOperation.Multiply => A() * B(),
            FunctionOperation.Divide => A() / B(),
            FunctionOperation.Exp => Math.Exp(A()),
            FunctionOperation.Log => Math.Log(A()),
            FunctionOperation.Sqrt => Math.Sqrt(A()),
            FunctionOperation.Pow => Math.Pow(A(), B()),
            FunctionOperation.Tanh => Math.Tanh(A()),
            FunctionOperation.Sinh => Math.Sinh(A()),
            FunctionOperation.Cosh => Math.Cosh(A()),
            FunctionOperation.Sin => Math.Sin(A()),
            FunctionOperation.Cos => Math.Cos(A()),
            FunctionOperation.Abs => Math.Abs(A()),
            FunctionOperation.Max => Math.Max(A(), B()),
            FunctionOperation.Min => Math.Min(A(), B()),
            FunctionOperation.Condition => Holds(Comparison, A(), B()) ? Operands[2].Evaluate(parameters) : Operands[3].Evaluate(parameters),
            _ => throw new InvalidOperationException("Unknown operation " + Operation),
        };
    }

    /// <summary>Whether <c>a comparison b</c> holds (false with a NaN, except ≠).</summary>
    public static bool Holds(FunctionComparison comparison, double a, double b) => comparison switch
    {
        FunctionComparison.Less => a < b,
        FunctionComparison.LessOrEqual => a <= b,
        FunctionComparison.Greater => a > b,
        FunctionComparison.GreaterOrEqual => a >= b,
        FunctionComparison.Equal => a == b,
        FunctionComparison.NotEqual => a != b,
        _ => throw new ArgumentOutOfRangeException(nameof(comparison), comparison, "Unknown comparison."),
    };

    /// <summary>The names of the parameters the expression reads.</summary>
    internal IEnumerable<string> Parameters() =>
        Operation == FunctionOperation.Parameter ? [Name!] : Operands.SelectMany(o => o.Parameters());

    /// <summary>The formula: "x·tanh(ln(1 + exp(x)))", "r ≥ 0 ? 0.3·r : −0.7·r".</summary>
    public override string ToString() => Write(this, 0, name => name, latex: false);

    /// <summary>The formula with each parameter written as <paramref name="names"/> says.</summary>
    internal string ToString(Func<string, string> names) => Write(this, 0, names, latex: false);

    /// <summary>The formula in LaTeX, each parameter written as <paramref name="names"/> says.</summary>
    internal string ToLatex(Func<string, string> names) => Write(this, 0, names, latex: true);

    // 0: condition; 1: sum; 2: product; 3: unary minus; 4: atom or call.
    private static string Write(FunctionExpression e, int context, Func<string, string> names, bool latex)
    {
        string Write(FunctionExpression operand, int inner) => FunctionExpression.Write(operand, inner, names, latex);
        if (latex)
        {
            var (tex, level) = e.Operation switch
            {
                FunctionOperation.Constant => (Number(e.Value).Replace("−", "-", StringComparison.Ordinal), e.Value < 0 ? 3 : 4),
                FunctionOperation.Parameter => (names(e.Name!), 4),
                FunctionOperation.Negate => ("-" + Write(e.Operands[0], 4), 3),
                FunctionOperation.Add => ($"{Write(e.Operands[0], 1)} + {Write(e.Operands[1], 2)}", 1),
                FunctionOperation.Subtract => ($"{Write(e.Operands[0], 1)} - {Write(e.Operands[1], 2)}", 1),
                FunctionOperation.Multiply => ($"{Write(e.Operands[0], 2)} \\cdot {Write(e.Operands[1], 3)}", 2),
                FunctionOperation.Divide => ($"\\frac{{{Write(e.Operands[0], 0)}}}{{{Write(e.Operands[1], 0)}}}", 4),
                FunctionOperation.Condition => ($"\\begin{{cases}} {Write(e.Operands[2], 0)} & {Write(e.Operands[0], 1)} {LatexSymbol(e.Comparison)} {Write(e.Operands[1], 1)} \\\\ {Write(e.Operands[3], 0)} & \\text{{otherwise}} \\end{{cases}}", 4),
                FunctionOperation.Abs => ($"\\left|{Write(e.Operands[0], 0)}\\right|", 4),
                FunctionOperation.Sqrt => ($"\\sqrt{{{Write(e.Operands[0], 0)}}}", 4),
                FunctionOperation.Pow => ($"{{{Write(e.Operands[0], 4)}}}^{{{Write(e.Operands[1], 0)}}}", 4),
                FunctionOperation.Log => ($"\\ln\\left({Write(e.Operands[0], 0)}\\right)", 4),
                FunctionOperation.Max or FunctionOperation.Min => ($"\\{e.Operation.ToString().ToLowerInvariant()}\\left({Write(e.Operands[0], 0)}, {Write(e.Operands[1], 0)}\\right)", 4),
                _ => ($"\\{e.Operation.ToString().ToLowerInvariant()}\\left({Write(e.Operands[0], 0)}\\right)", 4),
            };
            return level < context ? $"\\left({tex}\\right)" : tex;
        }

        var (text, precedence) = e.Operation switch
        {
            FunctionOperation.Constant => (Number(e.Value), e.Value < 0 ? 3 : 4),
            FunctionOperation.Parameter => (names(e.Name!), 4),
            FunctionOperation.Negate => ("−" + Write(e.Operands[0], 4), 3),
            FunctionOperation.Add => ($"{Write(e.Operands[0], 1)} + {Write(e.Operands[1], 2)}", 1),
            FunctionOperation.Subtract => ($"{Write(e.Operands[0], 1)} − {Write(e.Operands[1], 2)}", 1),
            FunctionOperation.Multiply => ($"{Write(e.Operands[0], 2)}·{Write(e.Operands[1], 3)}", 2),
            FunctionOperation.Divide => ($"{Write(e.Operands[0], 2)} / {Write(e.Operands[1], 3)}", 2),
            FunctionOperation.Condition => ($"{Write(e.Operands[0], 1)} {Symbol(e.Comparison)} {Write(e.Operands[1], 1)} ? {Write(e.Operands[2], 1)} : {Write(e.Operands[3], 0)}", 0),
            FunctionOperation.Abs => ($"|{Write(e.Operands[0], 0)}|", 4),
            FunctionOperation.Log => ($"ln({Write(e.Operands[0], 0)})", 4),
            FunctionOperation.Sqrt => ($"√({Write(e.Operands[0], 0)})", 4),
            _ => ($"{e.Operation.ToString().ToLowerInvariant()}({string.Join(", ", e.Operands.Select(o => Write(o, 0)))})", 4),
        };
        return precedence < context ? $"({text})" : text;
    }

    private static string LatexSymbol(FunctionComparison comparison) => comparison switch
    {
        FunctionComparison.Less => "<",
        FunctionComparison.LessOrEqual => "\\le",
        FunctionComparison.Greater => ">",
        FunctionComparison.GreaterOrEqual => "\\ge",
        FunctionComparison.Equal => "=",
        _ => "\\ne",
    };

    private static string Symbol(FunctionComparison comparison) => comparison switch
    {
        FunctionComparison.Less => "<",
        FunctionComparison.LessOrEqual => "≤",
        FunctionComparison.Greater => ">",
        FunctionComparison.GreaterOrEqual => "≥",
        FunctionComparison.Equal => "=",
        _ => "≠",
    };

    private static string Number(double value) => value < 0 ? "−" + Number(-value) : value.ToString("R", CultureInfo.InvariantCulture);
}
