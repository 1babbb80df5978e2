using System;
using SkipNet.Explain;

namespace SkipNet;

/// <summary>What a loss's outputs are: values (regression), or logits whose probabilities a softmax or a σ gives.</summary>
internal enum LossOutputs
{
    /// <summary>Values: L1, MSE, Huber. No class and no probability.</summary>
    Values,

    /// <summary>Logits of mutually exclusive classes: the softmax of the row (cross-entropy).</summary>
    Softmax,

    /// <summary>Independent logits: σ of each (binary cross-entropy; one output is a yes/no class).</summary>
    Sigmoid,
}

/// <summary>
/// Every fact the runtime holds about one loss, in one place: its reduction, whether it takes logits
/// (and which probabilities they give), the per-element loss and dL/dŷ in double (the reference),
/// how Explain writes it, and the PyTorch loss module. Cross-entropy couples the outputs of a row,
/// so its per-element forms are null and its consumers treat the row as a whole. <see cref="Of(Loss)"/>
/// has no default branch that hides a missing member (see <see cref="ActivationInfo"/>).
/// </summary>
internal sealed class LossInfo
{
    private LossInfo(
        Loss kind, bool perSample, LossOutputs outputs, int minimumOutputs, Func<string, string> name, Func<double, string> pyTorch,
        Func<double, double, double, double>? element, Func<double, double, double, double>? elementGradient,
        Func<Expr, Expr, double, Expr>? term, Func<string, string, string, string, (string, string)>? termText,
        Func<Expr, Expr, double, Expr>? gradient, Func<string, string, string, string, (string, string)>? gradientText)
    {
        Kind = kind;
        PerSample = perSample;
        Outputs = outputs;
        MinimumOutputs = minimumOutputs;
        _name = name;
        _pyTorch = pyTorch;
        Element = element;
        ElementGradient = elementGradient;
        _term = term;
        _termText = termText;
        _gradient = gradient;
        _gradientText = gradientText;
    }

    private readonly Func<string, string> _name;
    private readonly Func<double, string> _pyTorch;
    private readonly Func<Expr, Expr, double, Expr>? _term, _gradient;
    private readonly Func<string, string, string, string, (string, string)>? _termText, _gradientText;

    public Loss Kind { get; }

    /// <summary>The mean is over samples (B), not over every element (N = B × OutputSize).</summary>
    public bool PerSample { get; }

    /// <summary>Values, or logits and how they become probabilities: what the classification helpers apply.</summary>
    public LossOutputs Outputs { get; }

    /// <summary>The fewest outputs the loss makes sense on.</summary>
    public int MinimumOutputs { get; }

    /// <summary>One element's loss ℓ(ŷ, y, δ), in double; null when the outputs of a row are coupled (cross-entropy).</summary>
    public Func<double, double, double, double>? Element { get; }

    /// <summary>dℓ/dŷ of one element (ŷ, y, δ), in double, before the 1/N of the mean; null for cross-entropy.</summary>
    public Func<double, double, double, double>? ElementGradient { get; }

    /// <summary>The network's loss: its [Differentiable] function's (per element, the mean over every output), or its built-in one's.</summary>
    public static LossInfo Of(NetworkArchitecture architecture) => architecture.LossFunction is { } function ? Of(function) : Of(architecture.Loss);

    /// <summary>A [Differentiable] loss ℓ(ŷ, y): applied per element and averaged over every output, as MSE is.</summary>
    public static LossInfo Of(DifferentiableFunction function)
    {
        string name = function.Name, latex = $"\\operatorname{{{function.Name}}}";
        return new(Loss.MSE, perSample: false, LossOutputs.Values, 1, d => name, d => $"fn_{name}",
            (o, y, d) => function.Evaluate(o, y), (o, y, d) => function.EvaluateDerivative(o, y),
            (o, y, d) => new Call2(name, latex, o, y, (u, v) => function.Evaluate(u, v)),
            (o, y, ol, yl) => ($"{name}({o}, {y})", $"{latex}({ol}, {yl})"),
            (o, y, d) => new Call2(name + "'", latex + "'", o, y, (u, v) => function.EvaluateDerivative(u, v)),
            (o, y, ol, yl) => ($"{name}'({o}, {y}), {name}'(ŷ, y) = ∂/∂ŷ [{function.Body.ToString(p => p == function.Parameters[0] ? "ŷ" : "y")}] = {function.Derivative.ToString(p => p == function.Parameters[0] ? "ŷ" : "y")}",
                $"{latex}'({ol}, {yl})"));
    }

    /// <summary>The entry for <paramref name="loss"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A member without an entry: add it here.</exception>
    public static LossInfo Of(Loss loss) => loss switch
    {
        Loss.L1 => new(loss, perSample: false, LossOutputs.Values, 1, d => "L1", d => "nn.L1Loss()",
            (o, y, d) => Math.Abs(y - o), (o, y, d) => Math.Sign(o - y),
            (o, y, d) => new Abs(new Difference(y, o)), (o, y, ol, yl) => ($"|{y} − {o}|", $"\\lvert {yl} - {ol} \\rvert"),
            (o, y, d) => new Call("sign", "\\operatorname{sign}", new Difference(o, y), v => Math.Sign(v)),
            (o, y, ol, yl) => ($"sign({o} − {y})", $"\\operatorname{{sign}}({ol} - {yl})")),
        Loss.MSE => new(loss, perSample: false, LossOutputs.Values, 1, d => "MSE", d => "nn.MSELoss()",
            (o, y, d) => (y - o) * (y - o), (o, y, d) => 2 * (o - y),
            (o, y, d) => new Square(new Difference(y, o)), (o, y, ol, yl) => ($"({y} − {o})²", $"({yl} - {ol})^2"),
            (o, y, d) => new Product(new Num(2), new Difference(o, y)),
            (o, y, ol, yl) => ($"2({o} − {y})", $"2({ol} - {yl})")),
        Loss.Huber => new(loss, perSample: false, LossOutputs.Values, 1, d => $"Huber (δ = {d})", d => $"nn.HuberLoss(delta={Text.Of(d)})",
            (o, y, d) => Huber(o - y, d), (o, y, d) => HuberDerivative(o - y, d),
            (o, y, d) => new Call($"huber[δ={Expr.Format(d, Notation.Text)}]", $"\\operatorname{{huber}}_{{{Expr.Format(d, Notation.Latex)}}}", new Difference(o, y), v => Huber(v, d)),
            (o, y, ol, yl) => ($"huber({o} − {y})", $"\\operatorname{{huber}}_\\delta({ol} - {yl})"),
            (o, y, d) => new Call("huber'", "\\operatorname{huber}'", new Difference(o, y), v => HuberDerivative(v, d)),
            (o, y, ol, yl) => ($"huber'({o} − {y})", $"\\operatorname{{huber}}'_\\delta({ol} - {yl})")),
        Loss.BinaryCrossEntropy => new(loss, perSample: false, LossOutputs.Sigmoid, 1, d => "binary cross-entropy", d => "nn.BCEWithLogitsLoss()",
            (o, y, d) => Math.Max(o, 0) - o * y + SpecialFunctions.Log1P(Math.Exp(-Math.Abs(o))), (o, y, d) => 1 / (1 + Math.Exp(-o)) - y,
            (o, y, d) => new Difference(
                new Sum([new Call("max0", "\\max_0", o, v => Math.Max(v, 0)), new Call("ln1pe−abs", "\\operatorname{ln1pe}", o, v => SpecialFunctions.Log1P(Math.Exp(-Math.Abs(v))))]),
                new Product(o, y)),
            (o, y, ol, yl) => ($"max({o}, 0) + ln(1 + e^−|{o}|) − {o}·{y}", $"\\max({ol}, 0) + \\ln(1 + e^{{-\\lvert {ol} \\rvert}}) - {ol} \\, {yl}"),
            (o, y, d) => new Difference(new Call("σ", "\\sigma", o, v => 1 / (1 + Math.Exp(-v))), y),
            (o, y, ol, yl) => ($"(σ({o}) − {y})", $"(\\sigma({ol}) - {yl})")),
        Loss.CrossEntropy => new(loss, perSample: true, LossOutputs.Softmax, 2, d => "cross-entropy",
            d => "nn.CrossEntropyLoss()  # targets: class indices, or class probabilities as in SkipNet",
            null, null, null, null, null, null),
        _ => throw new ArgumentOutOfRangeException(nameof(loss), loss, $"Loss.{loss} has no entry in LossInfo.Of: add one (see CONTRIBUTING.md)."),
    };

    /// <summary>"Huber (δ = 0.5)": the loss in Explain's header, δ as the caller writes it.</summary>
    public string Name(string delta) => _name(delta);

    /// <summary>The PyTorch loss module: "nn.HuberLoss(delta=0.5)".</summary>
    public string PyTorch(double delta) => _pyTorch(delta);

    /// <summary>One element's loss as an expression of Explain's, with its text and LaTeX from the names of ŷ and y.</summary>
    public (Expr Term, string Text, string Latex) ExplainTerm(Expr output, Expr target, double delta, string o, string y, string ol, string yl)
    {
        var (text, latex) = (_termText ?? throw Coupled())(o, y, ol, yl);
        return ((_term ?? throw Coupled())(output, target, delta), text, latex);
    }

    /// <summary>dℓ/dŷ of one element as an expression of Explain's (before the 1/N), with its text and LaTeX.</summary>
    public (Expr Gradient, string Text, string Latex) ExplainGradient(Expr output, Expr target, double delta, string o, string y, string ol, string yl)
    {
        var (text, latex) = (_gradientText ?? throw Coupled())(o, y, ol, yl);
        return ((_gradient ?? throw Coupled())(output, target, delta), text, latex);
    }

    private InvalidOperationException Coupled() => new($"{Kind} couples the outputs of a row: it has no per-element form.");

    private static double Huber(double d, double delta) => Math.Abs(d) < delta ? 0.5 * d * d : delta * (Math.Abs(d) - 0.5 * delta);

    private static double HuberDerivative(double d, double delta) => Math.Abs(d) < delta ? d : delta * Math.Sign(d);
}
