using System;
using SkipNet.Explain;

namespace SkipNet;

/// <summary>
/// Every fact the runtime holds about one activation, in one place: f and f′ in double (the
/// reference the tests and Explain compute with), what f′ reads and the initializer (from
/// <see cref="ActivationFacts"/>, which the generator compiles too), how Explain writes it, and the
/// PyTorch expression. Explain, <see cref="NetworkArchitecture.ToPyTorch"/> and the
/// tests' reference read it; <see cref="Of(Activation)"/> has no default branch that hides a missing member:
/// one added to <see cref="Activation"/> without its entry throws, by name, in every consumer, and
/// <c>tests/SkipNet.Tests/ConformanceTests.cs</c> walks every member through all of them.
/// </summary>
internal sealed class ActivationInfo
{
    private ActivationInfo(
        Activation kind, string text, string latex,
        Func<double, double, double> forward, Func<double, double, double, double> derivative,
        Func<Expr, Expr, double, Expr>? derivativeExpression, string? definition, string? definitionLatex,
        string? factor, string? factorLatex, Func<string, double, string> pyTorch, DifferentiableFunction? function = null)
    {
        _function = function;
        Kind = kind;
        He = ActivationFacts.He(kind);
        Reads = ActivationFacts.Reads(kind);
        Text = text;
        Latex = latex;
        Forward = forward;
        Derivative = derivative;
        _derivativeExpression = derivativeExpression;
        _definition = definition;
        _definitionLatex = definitionLatex;
        _factor = factor;
        _factorLatex = factorLatex;
        _pyTorch = pyTorch;
    }

    private readonly DifferentiableFunction? _function;
    private readonly Func<Expr, Expr, double, Expr>? _derivativeExpression;
    private readonly string? _definition, _definitionLatex, _factor, _factorLatex;
    private readonly Func<string, double, string> _pyTorch;

    public Activation Kind { get; }

    /// <summary>He uniform for the matrices into the layer, else Glorot uniform (<see cref="ActivationFacts.He"/>, shared with the generator).</summary>
    public bool He { get; }

    /// <summary>What f′ is computed from (<see cref="ActivationFacts.Reads"/>, shared with the generator).</summary>
    public DerivativeOperand Reads { get; }

    /// <summary>"ReLU", "σ": the function's name in text.</summary>
    public string Text { get; }

    /// <summary>The name in LaTeX.</summary>
    public string Latex { get; }

    /// <summary>h = f(z, α), in double.</summary>
    public Func<double, double, double> Forward { get; }

    /// <summary>f′ from (z, h, α), in double, from what <see cref="Reads"/> names, as the generated code computes it.</summary>
    public Func<double, double, double, double> Derivative { get; }

    /// <summary>Whether h is z itself (no activation and no function of the user's).</summary>
    public bool IsIdentity => Kind == Activation.Identity && _function is null;

    /// <summary>The layer's entry: its [Differentiable] function's, or its activation's.</summary>
    public static ActivationInfo Of(LayerInfo layer) => layer.Function is { } function ? Of(function) : Of(layer.Activation);

    /// <summary>
    /// A [Differentiable] function as an activation: f and f′ from its description, in double; Explain
    /// writes "Mish(z) = …, Mish'(z) = …" and dL/dz as dL/dh ⊙ Mish'(z).
    /// </summary>
    public static ActivationInfo Of(DifferentiableFunction function)
    {
        string parameter = function.Parameters[0];
        string Text(FunctionExpression e) => e.ToString(name => name == parameter ? "{z}" : name);
        string Latex(FunctionExpression e) => e.ToLatex(name => name == parameter ? "{z}" : name);
        string name = function.Name, latexName = $"\\operatorname{{{function.Name}}}";
        return new(Activation.Identity, name, latexName,
            (z, a) => function.Evaluate(z), (z, h, a) => function.EvaluateDerivative(z), null,
            $"{Text(function.Body)}; {name}'({{z}}) = {Text(function.Derivative)}",
            $"{Latex(function.Body)}, \\quad {latexName}'({{z}}) = {Latex(function.Derivative)}",
            null, null, (z, a) => $"fn_{name}({z})", function);
    }

    /// <summary>The entry for <paramref name="activation"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A member without an entry: add it here.</exception>
    public static ActivationInfo Of(Activation activation) => activation switch
    {
        Activation.Identity => new(activation, "identity", "\\operatorname{id}",
            (z, a) => z, (z, h, a) => 1, (z, h, a) => new Num(1), null, null, null, null, (z, a) => z),
        Activation.ReLU => new(activation, "ReLU", "\\operatorname{ReLU}",
            (z, a) => z >= 0 ? z : 0, (z, h, a) => z >= 0 ? 1 : 0, (z, h, a) => new Indicator(z), null, null, "[{z} ≥ 0]", "[{z} \\ge 0]",
            (z, a) => $"torch.relu({z})"),
        Activation.LeakyReLU => new(activation, "LeakyReLU", "\\operatorname{LeakyReLU}",
            (z, a) => z >= 0 ? z : a * z, (z, h, a) => z >= 0 ? 1 : a, null, null, null, null, null,
            (z, a) => $"F.leaky_relu({z}, {(global::SkipNet.Text.Of(a))})"),
        Activation.Tanh => new(activation, "tanh", "\\tanh",
            (z, a) => Math.Tanh(z), (z, h, a) => 1 - h * h, (z, h, a) => new Difference(new Num(1), new Square(h)), null, null, "(1 − {h}²)", "(1 - {h}^2)",
            (z, a) => $"torch.tanh({z})"),
        Activation.Sigmoid => new(activation, "σ", "\\sigma",
            (z, a) => 1 / (1 + Math.Exp(-z)), (z, h, a) => h * (1 - h), (z, h, a) => new Product(h, new Difference(new Num(1), h)), null, null, "{h} ⊙ (1 − {h})", "{h} \\odot (1 - {h})",
            (z, a) => $"torch.sigmoid({z})"),
        Activation.GELU => new(activation, "GELU", "\\operatorname{GELU}",
            (z, a) => Activations.GELU(z), (z, h, a) => Activations.GELUDerivative(z), null, "{z}·Φ({z})", "{z} \\, \\Phi({z})", null, null,
            (z, a) => $"F.gelu({z})"),
        Activation.SiLU => new(activation, "SiLU", "\\operatorname{SiLU}",
            (z, a) => Activations.SiLU(z), (z, h, a) => Activations.SiLUDerivative(z), null, "{z}·σ({z})", "{z} \\, \\sigma({z})", null, null,
            (z, a) => $"F.silu({z})"),
        Activation.Softplus => new(activation, "softplus", "\\operatorname{softplus}",
            (z, a) => Activations.Softplus(z), (z, h, a) => Activations.SoftplusDerivative(z), null, "ln(1 + e^{z})", "\\ln(1 + e^{{z}})", "σ({z})", "\\sigma({z})",
            (z, a) => $"F.softplus({z})"),
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, $"Activation.{activation} has no entry in ActivationInfo.Of: add one (see CONTRIBUTING.md)."),
    };

    /// <summary>"ReLU", or with its parameter: "LeakyReLU[α=0.1]" (text) and its LaTeX; with <paramref name="prime"/>, f′'s: "LeakyReLU'[α=0.1]".</summary>
    public (string Text, string Latex) Name(double alpha, string prime = "") => Kind == Activation.LeakyReLU
        ? ($"{Text}{prime}[α={Expr.Format(alpha, Notation.Text)}]", $"{Latex}{prime}_{{{Expr.Format(alpha, Notation.Latex)}}}")
        : (Text + prime, Latex + prime);

    /// <summary>h = f(z) as Explain writes a layer's forward equation: "GELU(z_h0) = z_h0·Φ(z_h0)".</summary>
    public (string Text, string Latex) Formula(string z, string zLatex)
    {
        if (IsIdentity)
        {
            return (z + " (identity)", zLatex);
        }

        string text = $"{Text}({z})", latex = $"{Latex}({zLatex})";
        return _definition is null
            ? (text, latex)
            : ($"{text} = {_definition.Replace("{z}", z, StringComparison.Ordinal)}", $"{latex} = {_definitionLatex!.Replace("{z}", zLatex, StringComparison.Ordinal)}");
    }

    /// <summary>f(z) as an expression of Explain's, evaluated in double.</summary>
    public Expr Apply(Expr z, double alpha)
    {
        if (IsIdentity)
        {
            return z;
        }

        var (text, latex) = Name(alpha);
        return new Call(text, latex, z, v => Forward(v, alpha));
    }

    /// <summary>f′ as an expression of z or h (whichever the generated code reads), evaluated in double.</summary>
    public Expr DerivativeOf(Expr z, Expr h, double alpha)
    {
        if (_derivativeExpression is not null)
        {
            return _derivativeExpression(z, h, alpha);
        }

        var (text, latex) = Name(alpha, "'");
        return new Call(text, latex, z, v => Derivative(v, v, alpha));
    }

    /// <summary>The factor dL/dh is multiplied by, element-wise, as Explain writes dL/dz for a vector: "[z ≥ 0]", "(1 − h²)", "GELU'(z)"; null for identity.</summary>
    public (string Text, string Latex)? Factor(string z, string zLatex, string h, string hLatex)
    {
        if (IsIdentity)
        {
            return null;
        }

        return _factor is null
            ? ($"{Text}'({z})", $"{Latex}'({zLatex})")
            : (_factor.Replace("{z}", z, StringComparison.Ordinal).Replace("{h}", h, StringComparison.Ordinal),
               _factorLatex!.Replace("{z}", zLatex, StringComparison.Ordinal).Replace("{h}", hLatex, StringComparison.Ordinal));
    }

    /// <summary>The PyTorch expression of h from the expression of z: "torch.relu(z)", "F.leaky_relu(z, 0.2)".</summary>
    public string PyTorch(string z, double alpha) => _pyTorch(z, alpha);
}
