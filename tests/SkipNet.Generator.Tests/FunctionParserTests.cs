using Microsoft.CodeAnalysis.CSharp.Syntax;
using SkipNet.Generator.Functions;
using GenPrecision = SkipNet.Generator.Model.Precision;

namespace SkipNet.Generator.Tests;

/// <summary>
/// [Differentiable] bodies read into the expression model: what the grammar allows gives the method's
/// own numbers, with locals, consts and calls substituted; everything else is refused at the exact
/// construct, with what to write instead.
/// </summary>
public class FunctionParserTests
{
    private const string Attribute = "Functions.DifferentiableAttribute";

    private const string Preamble = """
        using System;
        namespace Functions
        {
            [AttributeUsage(AttributeTargets.Method)]
            public sealed class DifferentiableAttribute : Attribute { }

            public static class Net
            {
        """;

    private const string Postamble = "\n    }\n}\n";

    private static (Dictionary<string, FunctionModel?> Models, List<Unsupported> Problems, string Source) Parse(string members, GenPrecision precision = GenPrecision.Double)
    {
        string source = Preamble + members + Postamble;
        var compilation = Harness.Compilation(source);
        var tree = compilation.SyntaxTrees.Single();
        var parser = new FunctionParser(compilation.GetSemanticModel(tree), precision, Attribute, CancellationToken.None);
        var models = tree.GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>()
            .Where(m => m.AttributeLists.Count > 0)
            .ToDictionary(m => m.Identifier.Text, parser.Parse);
        return (models, parser.Problems, source);
    }

    private const string Functions = """
                const double Tau = 0.3;

                [Differentiable] public static double Softplus(double x) => Math.Log(1 + Math.Exp(x));

                [Differentiable] public static double Mish(double x) => x * Math.Tanh(Softplus(x));

                [Differentiable] public static double Pinball(double yhat, double y)
                {
                    const double half = 0.5;
                    double r = y - yhat;
                    var scaled = r * (Tau + half - half);
                    return r >= 0 ? scaled : (Tau - 1) * r;
                }

                [Differentiable] public static double Everything(double a, double b) =>
                    -Math.Pow(Math.Abs(a) + 1, b) / Math.Sqrt(2 + Math.Cosh(a)) + Math.Max(Math.Sin(a), Math.Cos(b))
                    - Math.Min(Math.Sinh(b), +Math.Tanh(a)) * (a < b ? 1.5 : a != 2 ? (a <= b ? 2 : 3) : b);
        """;

    [Fact]
    public void SupportedBodiesGiveTheMethodsOwnNumbers()
    {
        var (models, problems, source) = Parse(Functions);
        problems.ShouldBeEmpty();
        var compiled = Harness.GenerateAndLoad(source).GetType("Functions.Net")!;
        foreach (var (name, model) in models)
        {
            model.ShouldNotBeNull(name);
            foreach (var (a, b) in new[] { (0.7, 1.3), (-1.2, 0.4), (2.0, 2.0), (1.5, -0.5) })
            {
                object[] arguments = model.Parameters.Count == 1 ? [a] : [a, b];
                double expected = (double)compiled.GetMethod(name)!.Invoke(null, arguments)!;
                var values = model.Parameters.Zip(arguments.Cast<double>()).ToDictionary(p => p.First, p => p.Second);
                BitConverter.DoubleToInt64Bits(Formula.Evaluate(model.Body, v => values[v])).ShouldBe(BitConverter.DoubleToInt64Bits(expected), $"{name}({a}, {b})");
            }
        }

        // The call is substituted: Mish holds Softplus's body, with Mish's own parameter.
        Formula.Text(models["Mish"]!.Body).ShouldBe("x·tanh(ln(1 + exp(x)))");
        // Consts and constant expressions are the compiler's values (Tau + half − half folds to 0.30000000000000004).
        Formula.Text(models["Pinball"]!.Body).ShouldBe("y − yhat ≥ 0 ? (y − yhat)·0.30000000000000004 : (-0.7)·(y − yhat)");
    }

    [Fact]
    public void AFloatNetworkReadsMathFAndRefusesMath()
    {
        var (models, problems, _) = Parse("""
                [Differentiable] public static float Swish(float x) => x / (1f + MathF.Exp(-x));
                [Differentiable] public static float Wrong(float x) => (float)Math.Exp(x);
            """, GenPrecision.Single);
        models["Swish"].ShouldNotBeNull();
        Formula.Text(models["Swish"]!.Body).ShouldBe("x / (1 + exp(-x))");
        models["Wrong"].ShouldBeNull();
        problems.Single().Construct.ShouldContain("compute in float throughout, with MathF");
    }

    public static TheoryData<string, string, string> Refused() => new()
    {
        { "[Differentiable] public static double F(double x) { for (int i = 0; i < 2; i++) { } return x; }", "for", "a loop" },
        { "[Differentiable] public static double F(double x) { if (x > 0) return x; return -x; }", "if", "an if statement (use ?: with a comparison)" },
        { "[Differentiable] public static double F(double x) { x = x * 2; return x; }", "x = x * 2", "an assignment to 'x'" },
        { "[Differentiable] public static double F(double x) => x % 2;", "%", "the operator '%'" },
        { "[Differentiable] public static double F(double x) => Math.Atan(x);", "Math.Atan", "Math.Atan (the functions are Exp, Log" },
        { "[Differentiable] public static double F(double x) => G(x); static double G(double x) => x;", "G", "the call to 'G' (mark it [Differentiable]" },
        { "[Differentiable] public static double F(double x) => F(x - 1);", "F(x - 1)", "the recursive call to 'F'" },
        { "[Differentiable] public static double F(double x) => A(x); [Differentiable] static double A(double x) => F(x);", "F(x)", "the recursive call to 'F'" },
        { "[Differentiable] public double F(double x) => x;", "F", "instance method 'F'" },
        { "[Differentiable] public static float F(double x) => (float)x;", "float", "return type 'float' (the network computes in double)" },
        { "[Differentiable] public static double F(double x, double y, double z) => x;", "(double x, double y, double z)", "3 parameters" },
        { "[Differentiable] public static double F(ref double x) => x;", "ref double x", "parameter 'ref double x'" },
        { "[Differentiable] public static double F(double x) => x > 0 && x < 1 ? x : 0;", "x > 0 && x < 1", "the condition 'x > 0 && x < 1'" },
        { "static double s = 2; [Differentiable] public static double F(double x) => s * x;", "s", "the field 's'" },
        { "[Differentiable] public static double F(double x) { double y; return x; }", "y", "local 'y' without a value" },
        { "[Differentiable] public static double F(double x) => Math.Pow(y: 2, x: x);", "(y: 2, x: x)", "named or ref arguments" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void EveryOtherConstructIsRefusedWhereItStands(string members, string located, string message)
    {
        var (models, problems, source) = Parse(members);
        models["F"].ShouldBeNull();
        var problem = problems.ShouldHaveSingleItem();
        problem.Construct.ShouldContain(message);
        problem.Location.ShouldNotBeNull();
        source.Substring(problem.Location.Span.Start, problem.Location.Span.Length).ShouldBe(located);
    }
}
