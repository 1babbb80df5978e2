using CsCheck;
using SkipNet.Generator.Functions;
using GenPrecision = SkipNet.Generator.Model.Precision;

namespace SkipNet.Generator.Tests;

/// <summary>
/// The symbolic derivatives that [Differentiable] functions will be given: random expressions of the
/// supported grammar (CsCheck) against central finite differences away from kinks, the C# written
/// for them compiled and run against their value, and the simplified forms one would write by hand.
/// </summary>
public class CalculusTests
{
    private static readonly Gen<Op> Functions = Gen.OneOf(Op.Exp, Op.Log, Op.Sqrt, Op.Tanh, Op.Sinh, Op.Cosh, Op.Sin, Op.Cos, Op.Abs, Op.Negate);

    /// <summary>Expressions in x and y of depth ≤ <paramref name="depth"/>: every operation of the grammar.</summary>
    private static Gen<Expr> Expressions(int depth) => Trees(depth).Select(Simplify.Tree);

    private static Gen<Expr> Trees(int depth)
    {
        var leaf = Gen.Frequency(
            (3, Gen.Const<Expr>(new Variable("x"))),
            (1, Gen.Const<Expr>(new Variable("y"))),
            (2, Gen.Int[-4, 4].Select(i => (Expr)new Constant(i * 0.5))));
        if (depth == 0)
        {
            return leaf;
        }

        var inner = Trees(depth - 1);
        return Gen.Frequency(
            (2, leaf),
            (3, Gen.Select(Gen.OneOf(Op.Add, Op.Subtract, Op.Multiply, Op.Divide, Op.Max, Op.Min), inner, inner, (op, a, b) => (Expr)new Binary(op, a, b))),
            (1, Gen.Select(inner, Gen.Int[2, 3], (a, k) => (Expr)new Binary(Op.Pow, a, new Constant(k)))),
            (1, inner.Select(a => (Expr)new Binary(Op.Pow, new Binary(Op.Add, new Unary(Op.Abs, a), new Constant(0.5)), new Variable("y")))),
            (3, Gen.Select(Functions, inner, (op, a) => (Expr)new Unary(op, a))),
            (1, Gen.Select(Gen.OneOf(Comparison.Less, Comparison.LessOrEqual, Comparison.Greater, Comparison.GreaterOrEqual), inner, inner, inner, (c, a, b, t) => (Expr)new Conditional(c, a, b, t, new Binary(Op.Multiply, t, a)))));
    }

    [Fact]
    public void DerivativesAgreeWithCentralDifferencesAwayFromKinks()
    {
        int checkedPoints = 0;
        // x in ±[0.1, 2] and y in [0.3, 2]: away from the underflow that tiny values reach (where a
        // removable singularity, x⁴/sin²x say, loses every digit in either formula).
        Gen.Select(Expressions(4), Gen.Double[0.1, 2], Gen.Bool, Gen.Double[0.3, 2]).Sample((e, magnitude, negative, y) =>
        {
            double x = negative ? -magnitude : magnitude;
            foreach (var variable in new[] { "x", "y" })
            {
                var derivative = Calculus.Derivative(e, variable);
                double at = variable == "x" ? x : y;
                double h = 1e-6 * Math.Max(1, Math.Abs(at));
                double F(double v) => Formula.Evaluate(e, n => n == variable ? v : n == "x" ? x : y);
                string Branches(double v) => Kinks(e, n => n == variable ? v : n == "x" ? x : y);
                double value = F(at), analytic = Formula.Evaluate(derivative, n => n == "x" ? x : y);
                if (!double.IsFinite(value) || !double.IsFinite(analytic) || Math.Abs(value) > 1e6 || Math.Abs(analytic) > 1e6
                    || Branches(at - 2 * h) != Branches(at) || Branches(at + 2 * h) != Branches(at))
                {
                    continue; // outside the function's domain, too steep to difference, or at a kink
                }

                // Smooth enough to difference: steps h and 2h agree (a pole or a jump between makes them differ).
                double numeric = (F(at + h) - F(at - h)) / (2 * h);
                double wider = (F(at + 2 * h) - F(at - 2 * h)) / (4 * h);
                double forward = (F(at + h) - value) / h, backward = (value - F(at - h)) / h;
                if (!double.IsFinite(numeric) || Math.Abs(numeric) > 1e6 || Math.Abs(numeric - wider) > 1e-6 + 1e-5 * Math.Abs(numeric)
                    || Math.Abs(forward - backward) > 1e-2 * (1 + Math.Abs(numeric)))
                {
                    continue;
                }

                Math.Abs(analytic - numeric).ShouldBeLessThanOrEqualTo(1e-5 + 1e-4 * Math.Abs(numeric),
                    $"d/d{variable} of {Formula.Text(e)} at x = {x}, y = {y}: {Formula.Text(derivative)}");
                Interlocked.Increment(ref checkedPoints);
            }
        }, iter: 3000);

        checkedPoints.ShouldBeGreaterThan(2000, "most expressions are checked, not skipped");
    }

    [Fact]
    public void TheWrittenCSharpComputesTheValueAndTheDerivativeInDoubleAndFloat()
    {
        Expressions(4).Array[60].Sample(expressions => Compiled(expressions), iter: 1);
    }

    private static void Compiled(Expr[] expressions)
    {
        int tame = 0, compared = 0;
        foreach (var precision in new[] { GenPrecision.Double, GenPrecision.Single })
        {
            string type = precision == GenPrecision.Single ? "float" : "double";
            var methods = expressions.Select((e, i) =>
            {
                var roots = new[] { e, Calculus.Derivative(e, "x") };
                var (statements, lowered) = Formula.Lower(roots, precision, n => "t" + n);
                return $$"""
                    public static {{type}}[] F{{i}}({{type}} x, {{type}} y)
                    {
                        {{string.Join("\n        ", statements)}}
                        return new {{type}}[] { {{lowered[0]}}, {{lowered[1]}} };
                    }
                    """;
            });
            var assembly = Harness.GenerateAndLoad("public static class Written\n{\n" + string.Join("\n", methods) + "\n}\n");
            var written = assembly.GetType("Written")!;
            for (int i = 0; i < expressions.Length; i++)
            {
                foreach (var (x, y) in new[] { (0.7, 1.3), (-1.1, 0.6), (1.9, 1.7) })
                {
                    var derivative = Calculus.Derivative(expressions[i], "x");
                    double value = Formula.Evaluate(expressions[i], n => n == "x" ? x : y);
                    double slope = Formula.Evaluate(derivative, n => n == "x" ? x : y);
                    object[] arguments = precision == GenPrecision.Single ? [(float)x, (float)y] : [x, y];
                    var result = (Array)written.GetMethod("F" + i)!.Invoke(null, arguments)!;
                    string what = $"{Formula.Text(expressions[i])} in {type} at ({x}, {y})";
                    double Variables(string n) => n == "x" ? x : y;
                    if (precision == GenPrecision.Double)
                    {
                        // The same operations in the same order: the same bits (any NaN for a NaN).
                        Bits(Convert.ToDouble(result.GetValue(0))).ShouldBe(Bits(value), what);
                        Bits(Convert.ToDouble(result.GetValue(1))).ShouldBe(Bits(slope), "d/dx of " + what);
                        compared++;
                    }
                    else if (Tame(expressions[i], Variables, out double m1) && Tame(derivative, Variables, out double m2)
                        && WellConditioned(expressions[i], x, y, value, 1e-5 * (1 + m1)) && WellConditioned(derivative, x, y, slope, 1e-5 * (1 + m2)))
                    {
                        // Float rounds each step: within a few float ulps of the largest value met on the way.
                        Convert.ToDouble(result.GetValue(0)).ShouldBe(value, 1e-5 * (1 + m1), what);
                        Convert.ToDouble(result.GetValue(1)).ShouldBe(slope, 1e-5 * (1 + m2), "d/dx of " + what);
                        tame++;
                    }
                }
            }
        }

        compared.ShouldBe(3 * expressions.Length);
        tame.ShouldBeGreaterThan(30, "float is compared where its rounding can be bounded");
    }

    [Fact]
    public void DerivativesReadAsOneWouldWriteThem()
    {
        Expr x = new Variable("x"), y = new Variable("y");
        Formula.Text(Calculus.Derivative(x * x, "x")).ShouldBe("x + x");
        Formula.Text(Calculus.Derivative(Expr.Number(3) * x + Expr.Number(1), "x")).ShouldBe("3");
        Formula.Text(Calculus.Derivative(Expr.Call(Op.Exp, x), "x")).ShouldBe("exp(x)");
        Formula.Text(Calculus.Derivative(Expr.Call(Op.Tanh, x), "x")).ShouldBe("1 − tanh(x)·tanh(x)");
        Formula.Text(Calculus.Derivative(Expr.Call(Op.Log, x), "x")).ShouldBe("1 / x");
        Formula.Text(Calculus.Derivative(Expr.Call(Op.Abs, x), "x")).ShouldBe("x < 0 ? (-1) : 1");
        Formula.Text(Calculus.Derivative(Expr.Call(Op.Max, x, Expr.Zero), "x")).ShouldBe("x ≥ 0 ? 1 : 0");
        Formula.Text(Calculus.Derivative(Expr.Call(Op.Pow, x, Expr.Number(3)), "x")).ShouldBe("3·pow(x, 2)");
        Formula.Text(Calculus.Derivative(x * y, "y")).ShouldBe("x");

        // Mish: x·tanh(ln(1 + eˣ)); its derivative shares tanh(ln(1 + eˣ)) with the value.
        var softplus = Expr.Call(Op.Log, Expr.One + Expr.Call(Op.Exp, x));
        var mish = x * Expr.Call(Op.Tanh, softplus);
        var derivative = Calculus.Derivative(mish, "x");
        Formula.Text(derivative).ShouldBe("tanh(ln(1 + exp(x))) + x·((1 − tanh(ln(1 + exp(x)))·tanh(ln(1 + exp(x))))·(exp(x) / (1 + exp(x))))");
        var (statements, roots) = Formula.Lower([mish, derivative], GenPrecision.Double, n => "t" + n);
        statements.ShouldBe([
            "double t0 = global::System.Math.Exp(x);",
            "double t1 = 1.0 + t0;",
            "double t2 = global::System.Math.Tanh(global::System.Math.Log(t1));",
        ]);
        roots.ShouldBe(["x * t2", "t2 + x * ((1.0 - t2 * t2) * (t0 / t1))"]);
    }

    private static long Bits(double value) => double.IsNaN(value) ? -1 : BitConverter.DoubleToInt64Bits(value);

    /// <summary>
    /// Whether moving x and y by a few float ulps (2⁻²¹ of themselves) moves e by no more than the
    /// tolerance: float's own rounding of the inputs and of the values met on the way is of that
    /// order, so where e amplifies it past the tolerance (near a pole, such as 1/cos(u) with u
    /// rounded to float), the point cannot bound float's error and is not compared.
    /// </summary>
    private static bool WellConditioned(Expr e, double x, double y, double value, double tolerance)
    {
        const double Ulps = 1.0 / (1 << 21);
        foreach (var (dx, dy) in new[] { (1, 1), (1, -1), (-1, 1), (-1, -1) })
        {
            double moved = Formula.Evaluate(e, n => n == "x" ? x * (1 + dx * Ulps) : y * (1 + dy * Ulps));
            if (!(Math.Abs(moved - value) <= tolerance))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Whether every value in the tree is finite and below 10³ (Σ of their sizes in <paramref name="magnitude"/>)
    /// and no comparison is within 10⁻³ of a tie, so float takes the branches double takes.
    /// </summary>
    private static bool Tame(Expr e, Func<string, double> variables, out double magnitude)
    {
        double sum = 0;
        bool tame = true;
        void Walk(Expr node)
        {
            double v = Formula.Evaluate(node, variables);
            tame &= double.IsFinite(v) && Math.Abs(v) < 1e3;
            sum += Math.Abs(v);
            var (a, b) = node switch
            {
                Conditional c => (c.Left, c.Right),
                Binary { Op: Op.Max or Op.Min } m => (m.Left, m.Right),
                Unary { Op: Op.Abs } u => (u.Operand, Expr.Zero),
                _ => (null!, null!),
            };
            if (a is not null)
            {
                tame &= Math.Abs(Formula.Evaluate(a, variables) - Formula.Evaluate(b, variables)) > 1e-3;
            }

            foreach (var child in Formula.Children(node))
            {
                Walk(child);
            }
        }

        Walk(e);
        magnitude = sum;
        return tame;
    }

    /// <summary>Which branch each conditional, |·|, Max and Min takes: equal on both sides of a point means no kink between.</summary>
    private static string Kinks(Expr e, Func<string, double> variables) => e switch
    {
        Conditional c => (Formula.Holds(c.Comparison, Formula.Evaluate(c.Left, variables), Formula.Evaluate(c.Right, variables)) ? "T" : "F")
            + Kinks(c.Left, variables) + Kinks(c.Right, variables) + Kinks(c.WhenTrue, variables) + Kinks(c.WhenFalse, variables),
        Unary { Op: Op.Abs } u => (Formula.Evaluate(u.Operand, variables) < 0 ? "-" : "+") + Kinks(u.Operand, variables),
        Binary { Op: Op.Max or Op.Min } b => (Formula.Evaluate(b.Left, variables) >= Formula.Evaluate(b.Right, variables) ? "L" : "R") + Kinks(b.Left, variables) + Kinks(b.Right, variables),
        Unary u => Kinks(u.Operand, variables),
        Binary b => Kinks(b.Left, variables) + Kinks(b.Right, variables),
        _ => "",
    };
}
