using System;
using System.Collections.Generic;
using System.Linq;

namespace SkipNet.Explain;

/// <summary>
/// Writes one training step of a network as equations, per docs/conventions.md: forward, loss,
/// backward by the chain rule (in the order of the generated code), update, and the forward pass
/// after the update. Names follow the generated code: z_h0, h0, w_h0 (W_h1 for a matrix), b_h0,
/// s_h0_y (S_h0_y), dL/dz_h0; the output's activation is ŷ, the target y.
/// </summary>
internal sealed class DerivationBuilder
{
    private readonly NetworkArchitecture _net;
    private readonly List<Quantity> _quantities = new();
    private readonly Dictionary<string, Quantity> _blocks = new();
    private readonly string _target;
    private readonly string _probabilities;

    private DerivationBuilder(NetworkArchitecture net)
    {
        _net = net;
        // The target is "y" unless a hidden layer already has that name; softmax's output "p" likewise.
        _target = net.Layers.Take(net.Layers.Count - 1).Any(l => l.Name == "y") ? "y_true" : "y";
        _probabilities = net.Layers.Any(l => l.Name == "p") ? "p_softmax" : "p";
    }

    public IReadOnlyList<Quantity> Quantities => _quantities;

    /// <summary>Parameter blocks before the step, by block name ("h0.W").</summary>
    public IReadOnlyDictionary<string, Quantity> Blocks => _blocks;

    public Dictionary<string, Quantity> Gradients { get; } = new();

    public Dictionary<string, Quantity> Updated { get; } = new();

    public Quantity Loss { get; private set; } = null!;

    public Quantity LossAfter { get; private set; } = null!;

    public Quantity Output { get; private set; } = null!;

    /// <summary>Layer name → its z and h before the step.</summary>
    public Dictionary<string, (Quantity Z, Quantity H)> Layers { get; } = new();

    public Quantity X { get; private set; } = null!;

    public Quantity Y { get; private set; } = null!;

    public Quantity Alpha { get; private set; } = null!;

    public static DerivationBuilder Build(NetworkArchitecture net, double[] parameters, double[] x, double[] y, double learningRate, IReadOnlyDictionary<string, double[]>? masks = null)
    {
        var b = new DerivationBuilder(net);
        b.Run(parameters, x, y, learningRate, masks ?? new Dictionary<string, double[]>());
        return b;
    }

    /// <summary>A Dropout layer's mask in the step (given: drawn from the network's generator).</summary>
    private readonly Dictionary<string, Quantity> _masks = new();

    /// <summary>A LayerNorm's x̂ and r = 1/√(σ² + ε) in the step, for its backward pass.</summary>
    private readonly Dictionary<string, (Quantity Normalized, Quantity R)> _norms = new();

    /// <summary>A convolution's or a pooling's taps (a max pooling's with the input each window took), for its backward pass.</summary>
    private readonly Dictionary<string, (Taps Taps, int[]? Maxima)> _images = new();

    /// <summary>The 1×1 convolution of each weighted skip between images, by "from->to".</summary>
    private readonly Dictionary<string, Taps> _projections = new();

    private void Run(double[] parameters, double[] x, double[] y, double learningRate, IReadOnlyDictionary<string, double[]> masks)
    {
        X = Given("x", "x#", x.Length, 1, x);
        Y = Given(_target, _target == "y" ? "y#" : "y_{\\text{true}}#", y.Length, 1, y);
        Alpha = Given("α", "\\alpha#", 1, 1, [learningRate]);
        foreach (var layer in _net.Layers.Where(l => l.Kind == LayerKind.Dropout))
        {
            var mask = Given("m_" + layer.Name, "m_{" + layer.Name + "}#", layer.Width, 1, masks.TryGetValue(layer.Name, out var m) ? m : Enumerable.Repeat(1.0, layer.Width).ToArray());
            mask.Note = $"drawn from the network's generator: 0 with probability {layer.P}, else 1/(1 − {layer.P})";
            _masks[layer.Name] = mask;
        }

        foreach (var block in _net.Blocks)
        {
            var (name, latex) = BlockSymbol(block, _net);
            _blocks[block.Name] = Given(name, latex, block.Rows, block.Cols, parameters.AsSpan(block.Offset, block.Length).ToArray());
        }

        var h = Forward(_blocks, prime: "", Stage.Forward);
        Output = h[_net.Layers[^1].Name];
        Loss = LossOf(Output, "L", "L#", Stage.Loss);
        Backward(h);
        Update();
        var after = Forward(Updated, prime: "'", Stage.After);
        LossAfter = LossOf(after[_net.Layers[^1].Name], "L'", "L'#", Stage.After);
    }

    /// <summary>"w_h0" / "W_h1" / "b_h1" / "s_h0_y" / "S_h0_y", as the generated code names them; a LayerNorm's "γ_n0" and "β_n0".</summary>
    private static (string Text, string Latex) BlockSymbol(ParameterBlock block, NetworkArchitecture net)
    {
        int dot = block.Name.LastIndexOf('.');
        string owner = block.Name.Substring(0, dot), kind = block.Name.Substring(dot + 1);
        bool scalar = block.Length == 1;
        bool norm = net.Layers.Any(l => l.Name == owner && l.Kind == LayerKind.LayerNorm);
        return kind switch
        {
            "W" when norm => ("γ_" + owner, "\\gamma_{" + owner + "}#"),
            "b" when norm => ("β_" + owner, "\\beta_{" + owner + "}#"),
            "W" => (scalar ? "w_" + owner : "W_" + owner, (scalar ? "w" : "W") + "_{" + owner + "}#"),
            "b" => ("b_" + owner, "b_{" + owner + "}#"),
            _ => Skip(owner.Split(["->"], StringSplitOptions.None), scalar),
        };

        static (string, string) Skip(string[] ends, bool scalar) =>
            ($"{(scalar ? "s" : "S")}_{ends[0]}_{ends[1]}", $"{(scalar ? "s" : "S")}_{{{ends[0]} \\to {ends[1]}}}#");
    }

    private Quantity New(string name, string latex, int rows, int cols, Stage stage)
    {
        var q = new Quantity(name, latex, rows, cols, stage, _quantities.Count);
        _quantities.Add(q);
        return q;
    }

    private Quantity Given(string name, string latex, int rows, int cols, double[] values)
    {
        var q = New(name, latex, rows, cols, Stage.Given);
        values.CopyTo(q.Values, 0);
        return q;
    }

    private Quantity Defined(string name, string latex, int rows, int cols, Stage stage, Func<int, Expr> entry, string formula, string formulaLatex, string? note = null)
    {
        var q = New(name, latex, rows, cols, stage);
        q.Entry = entry;
        q.Formula = formula;
        q.FormulaLatex = formulaLatex;
        q.Note = note;
        for (int i = 0; i < q.Length; i++)
        {
            q.Values[i] = entry(i).Evaluate(static (r, k) => r.Values[k]);
        }

        return q;
    }

    private static string Grad(string name) => "dL/d" + name;

    private static string GradLatex(Quantity q) => "\\frac{\\partial L}{\\partial " + q.LatexName + "#}";

    /// <summary>The forward pass with the given parameter blocks; returns each layer's activation by layer name.</summary>
    private Dictionary<string, Quantity> Forward(IReadOnlyDictionary<string, Quantity> p, string prime, Stage stage)
    {
        var h = new Dictionary<string, Quantity> { ["x"] = X };
        for (int l = 0; l < _net.Layers.Count; l++)
        {
            var layer = _net.Layers[l];
            bool output = l == _net.Layers.Count - 1;
            var inputs = _net.InputsOf(layer.Name);
            var skips = inputs.Skip(1).Select(s => (From: h[s.From], Matrix: s.Matrix is null ? null : p[s.Matrix], Taps: Projection(s.From, layer, s.Matrix))).ToArray();
            var input = h[inputs[0].From];
            var (own, ownText, ownLatex) = Own(layer, input, _net.ShapeOf(inputs[0].From), p, prime, stage);

            string formula = ownText + string.Concat(skips.Select(s => s.Matrix is null ? $" + {s.From.Name}" : s.Taps is null ? $" + {s.Matrix.Name}·{s.From.Name}" : $" + {s.Matrix.Name} ⋆ {s.From.Name}"));
            string formulaLatex = ownLatex + string.Concat(skips.Select(s => s.Matrix is null ? $" + {s.From.LatexName}" : s.Taps is null ? $" + {s.Matrix.LatexName} {s.From.LatexName}" : $" + {s.Matrix.LatexName} \\star {s.From.LatexName}"));
            string? note = layer.Kind == LayerKind.Dropout && stage == Stage.After ? "dropout is off after the step, as in Forward and Evaluate" : null;
            var z = Defined("z_" + layer.Name + prime, "z_{" + layer.Name + "}" + prime + "#", layer.Width, 1, stage, r =>
            {
                var terms = own(r);
                foreach (var (from, matrix, taps) in skips)
                {
                    if (matrix is null)
                    {
                        terms.Add(new Ref(from, r));
                    }
                    else if (taps is not null)
                    {
                        terms.AddRange(taps.ByOutput[r].Select(t => (Expr)new Product(new Ref(matrix, t.Weight), new Ref(from, t.Input))));
                    }
                    else
                    {
                        for (int c = 0; c < from.Length; c++)
                        {
                            terms.Add(new Product(new Ref(matrix, r * from.Length + c), new Ref(from, c)));
                        }
                    }
                }

                return terms.Count == 1 ? terms[0] : new Sum(terms);
            }, formula, formulaLatex, note);

            string name = output ? "ŷ" + prime : layer.Name + prime;
            string latex = output ? "\\hat{y}" + prime + "#" : layer.Name + prime + "#";
            var (text, tex) = ActivationFormula(layer, z);
            var a = Defined(name, latex, layer.Width, 1, stage, r => Activate(layer, new Ref(z, r)), text, tex);
            h[layer.Name] = a;
            if (prime.Length == 0)
            {
                Layers[layer.Name] = (z, a);
            }
        }

        return h;
    }

    /// <summary>
    /// The terms of the layer's own operation for entry r of z, and its formula: W·h + b (Dense);
    /// γ⊙x̂ + β with μ, σ², r and x̂ defined first (LayerNorm); m⊙h, or h after the step (Dropout).
    /// </summary>
    private (Func<int, List<Expr>> Terms, string Text, string Latex) Own(LayerInfo layer, Quantity input, IReadOnlyList<int>? inputShape, IReadOnlyDictionary<string, Quantity> p, string prime, Stage stage)
    {
        string n = layer.Name;
        int cols = input.Length;
        switch (layer.Kind)
        {
            case LayerKind.Dense:
            {
                var w = p[n + ".W"];
                var bias = p[n + ".b"];
                return (r =>
                {
                    var terms = new List<Expr>();
                    for (int c = 0; c < cols; c++)
                    {
                        terms.Add(new Product(new Ref(w, r * cols + c), new Ref(input, c)));
                    }

                    terms.Add(new Ref(bias, r));
                    return terms;
                }, $"{w.Name}·{input.Name} + {bias.Name}", $"{w.LatexName} {input.LatexName} + {bias.LatexName}");
            }

            case LayerKind.LayerNorm:
            {
                var gamma = p[n + ".W"];
                var beta = p[n + ".b"];
                var all = Enumerable.Range(0, cols);
                var mean = Defined("μ_" + n + prime, "\\mu_{" + n + "}" + prime + "#", 1, 1, stage,
                    _ => new Quotient(new Sum(all.Select(c => (Expr)new Ref(input, c)).ToArray()), new Num(cols)),
                    $"mean of {input.Name}", $"\\frac{{1}}{{{cols}}} \\sum_k {input.LatexName}_k");
                var variance = Defined("σ²_" + n + prime, "\\sigma^2_{" + n + "}" + prime + "#", 1, 1, stage,
                    _ => new Quotient(new Sum(all.Select(c => (Expr)new Square(new Difference(new Ref(input, c), new Ref(mean, 0)))).ToArray()), new Num(cols)),
                    $"mean of ({input.Name} − {mean.Name})²", $"\\frac{{1}}{{{cols}}} \\sum_k ({input.LatexName}_k - {mean.LatexName})^2");
                var eps = new Constant("ε", layer.Epsilon);
                var r = Defined("r_" + n + prime, "r_{" + n + "}" + prime + "#", 1, 1, stage,
                    _ => new Quotient(new Num(1), new Call("√", "\\sqrt", new Sum([new Ref(variance, 0), eps]), Math.Sqrt)),
                    $"1/√({variance.Name} + ε), ε = {layer.Epsilon}", $"1 / \\sqrt{{{variance.LatexName} + \\varepsilon}}");
                var normalized = Defined("x̂_" + n + prime, "\\hat{x}_{" + n + "}" + prime + "#", cols, 1, stage,
                    c => new Product(new Difference(new Ref(input, c), new Ref(mean, 0)), new Ref(r, 0)),
                    $"({input.Name} − {mean.Name})·{r.Name}", $"({input.LatexName} - {mean.LatexName}) \\, {r.LatexName}");
                if (prime.Length == 0)
                {
                    _norms[n] = (normalized, r);
                }

                return (k => [new Product(new Ref(gamma, k), new Ref(normalized, k)), new Ref(beta, k)],
                    $"{gamma.Name} ⊙ {normalized.Name} + {beta.Name}", $"{gamma.LatexName} \\odot {normalized.LatexName} + {beta.LatexName}");
            }

            case LayerKind.Dropout when stage != Stage.After:
            {
                var mask = _masks[n];
                return (k => [new Product(new Ref(mask, k), new Ref(input, k))], $"{mask.Name} ⊙ {input.Name}", $"{mask.LatexName} \\odot {input.LatexName}");
            }

            case LayerKind.Dropout:
                return (k => [new Ref(input, k)], input.Name, input.LatexName);

            case LayerKind.Conv2D:
            {
                var w = p[n + ".W"];
                var bias = p[n + ".b"];
                var taps = ImageTaps(n, () => Taps.Convolution(inputShape!, layer.Shape!, layer.KernelSize, layer.Stride, layer.Padding));
                int positions = layer.Width / layer.Channels;
                return (r =>
                {
                    var terms = taps.ByOutput[r].Select(t => (Expr)new Product(new Ref(w, t.Weight), new Ref(input, t.Input))).ToList();
                    terms.Add(new Ref(bias, r / positions));
                    return terms;
                }, $"{w.Name} ⋆ {input.Name} + {bias.Name} ({layer.KernelSize}×{layer.KernelSize}, stride {layer.Stride}, padding {layer.Padding})",
                    $"{w.LatexName} \\star {input.LatexName} + {bias.LatexName}");
            }

            case LayerKind.MaxPool2D:
            {
                // Each window's first maximum in row-major order: the value it gives, and where its gradient goes.
                int k = layer.KernelSize;
                var taps = ImageTaps(n, () => Taps.Windows(inputShape!, layer.Shape!, k, layer.Stride));
                var maxima = taps.ByOutput.Select(window => FirstMaximum(window, input.Values)).ToArray();
                if (prime.Length == 0)
                {
                    _images[n] = (taps, maxima);
                }

                return (r => [new Ref(input, maxima[r])], $"max of each {k}×{k} window of {input.Name}, stride {layer.Stride}", $"\\max_{{{k} \\times {k}}} {input.LatexName}");
            }

            case LayerKind.AvgPool2D:
            {
                int k = layer.KernelSize;
                var taps = ImageTaps(n, () => Taps.Windows(inputShape!, layer.Shape!, k, layer.Stride));
                return (r => [new Quotient(new Sum(taps.ByOutput[r].Select(t => (Expr)new Ref(input, t.Input)).ToArray()), new Num(k * k))],
                    $"mean of each {k}×{k} window of {input.Name}, stride {layer.Stride}", $"\\operatorname{{avg}}_{{{k} \\times {k}}} {input.LatexName}");
            }

            case LayerKind.GlobalAvgPool2D:
            {
                int spatial = inputShape![1] * inputShape[2];
                return (c => [new Quotient(new Sum(Enumerable.Range(c * spatial, spatial).Select(i => (Expr)new Ref(input, i)).ToArray()), new Num(spatial))],
                    $"mean of each channel of {input.Name} over its {spatial} values", $"\\operatorname{{mean}}_{{H,W}} {input.LatexName}");
            }

            default:
                throw new NotSupportedException($"Explain does not know the layer kind {layer.Kind}.");
        }
    }

    private static (string Text, string Latex) ActivationFormula(LayerInfo layer, Quantity z) =>
        ActivationInfo.Of(layer).Formula(z.Name, z.LatexName);

    private static Expr Activate(LayerInfo layer, Expr z) => ActivationInfo.Of(layer).Apply(z, layer.Alpha);

    /// <summary>f'(z) as the generated code computes it: from z for ReLU kinds, from h for tanh and σ.</summary>
    private static Expr Derivative(LayerInfo layer, Ref z, Ref h) => ActivationInfo.Of(layer).DerivativeOf(z, h, layer.Alpha);

    private Quantity LossOf(Quantity output, string name, string latex, Stage stage)
    {
        int n = output.Length;
        string y = Y.Name, o = output.Name, yl = Y.LatexName, ol = output.LatexName;
        Expr Yk(int k) => new Ref(Y, k);
        Expr Ok(int k) => new Ref(output, k);
        if (_net.Loss == SkipNet.Loss.CrossEntropy)
        {
            // One sample, so the mean over samples divides by 1: L = −Σ_c y_c·log p_c, p = softmax(ŷ).
            var p = Softmax(output, stage);
            return Defined(name, latex, 1, 1, stage,
                _ => new Sum(Enumerable.Range(0, n).Select(c => (Expr)new Product(Yk(c), new Call("−ln", "-\\ln", new Ref(p, c), v => -Math.Log(v)))).ToArray()),
                $"−Σ_c {y}[c]·ln {p.Name}[c]", $"-\\sum_c {yl}_c \\ln {p.LatexName}_c");
        }

        var info = LossInfo.Of(_net);
        var (_, text, tex) = info.ExplainTerm(Ok(0), Yk(0), _net.HuberDelta, o, y, ol, yl);
        Expr term(int k) => info.ExplainTerm(Ok(k), Yk(k), _net.HuberDelta, o, y, ol, yl).Term;
        return Defined(name, latex, 1, 1, stage, _ =>
        {
            var sum = new Sum(Enumerable.Range(0, n).Select(term).ToArray());
            return n == 1 ? sum : new Quotient(sum, new Num(n));
        }, n == 1 ? text : $"mean over {n} outputs of {text}", n == 1 ? tex : $"\\frac{{1}}{{{n}}} \\sum_k {tex}");
    }

    /// <summary>p = softmax(ŷ) (p' after the step): the probabilities a cross-entropy network's logits give.</summary>
    private Quantity Softmax(Quantity output, Stage stage)
    {
        string prime = stage == Stage.After ? "'" : "";
        int n = output.Length;
        Expr Exp(int k) => new Call("exp", "\\exp", new Ref(output, k), Math.Exp);
        return Defined(_probabilities + prime, _probabilities + prime + "#", n, 1, stage,
            c => new Quotient(Exp(c), new Sum(Enumerable.Range(0, n).Select(Exp).ToArray())),
            $"softmax({output.Name}) = exp({output.Name}[c]) / Σ_k exp({output.Name}[k])", $"\\operatorname{{softmax}}({output.LatexName})");
    }

    private void Backward(Dictionary<string, Quantity> h)
    {
        int n = Output.Length;
        var dOutput = OutputGradient(n);

        var dz = new Dictionary<string, Quantity>();
        var through = new Dictionary<string, Quantity>(); // dL/dh_prev through a LayerNorm's or Dropout's own operation
        for (int l = _net.Layers.Count - 1; l >= 0; l--)
        {
            var layer = _net.Layers[l];
            var (z, a) = Layers[layer.Name];
            var dh = l == _net.Layers.Count - 1 ? dOutput : GradientOfActivation(layer, l, a, dz, through);

            var (formula, formulaLatex) = DerivativeFormula(layer, dh, z, a);
            var dzq = Defined(Grad(z.Name), GradLatex(z), z.Length, 1, Stage.Backward, r =>
                ActivationInfo.Of(layer).IsIdentity
                    ? new Ref(dh, r)
                    : new Product(new Ref(dh, r), Derivative(layer, new Ref(z, r), new Ref(a, r))),
                formula, formulaLatex);
            dz[layer.Name] = dzq;

            var input = l == 0 ? X : h[_net.Layers[l - 1].Name];
            OwnBackward(layer, dzq, input, needInput: l > 0, through);
            foreach (var skip in _net.Skips.Where(s => s.To == layer.Name && s.Kind == SkipKind.Weighted))
            {
                string block = $"{skip.From}->{skip.To}.S";
                if (_projections.TryGetValue($"{skip.From}->{skip.To}", out var taps))
                {
                    ConvolutionGradient(block, dzq, h[skip.From], taps);
                }
                else
                {
                    Outer(block, dzq, h[skip.From]);
                }
            }
        }
    }

    /// <summary>
    /// The gradients of the layer's own blocks from dL/dz, and (unless its input is x) dL/dh_prev
    /// through its operation for a LayerNorm or Dropout (a Dense layer's is Wᵀ·dL/dz, written where
    /// dL/dh_prev is gathered).
    /// </summary>
    private void OwnBackward(LayerInfo layer, Quantity dzq, Quantity input, bool needInput, Dictionary<string, Quantity> through)
    {
        string n = layer.Name;
        switch (layer.Kind)
        {
            case LayerKind.Dense:
            {
                Outer(n + ".W", dzq, input);
                var db = _blocks[n + ".b"];
                Gradients[n + ".b"] = Defined(Grad(db.Name), GradLatex(db), db.Rows, 1, Stage.Backward, r => new Ref(dzq, r), dzq.Name, dzq.LatexName);
                break;
            }

            case LayerKind.LayerNorm:
            {
                var (normalized, r) = _norms[n];
                var gamma = _blocks[n + ".W"];
                var beta = _blocks[n + ".b"];
                Gradients[n + ".W"] = Defined(Grad(gamma.Name), GradLatex(gamma), gamma.Rows, 1, Stage.Backward,
                    k => new Product(new Ref(dzq, k), new Ref(normalized, k)), $"{dzq.Name} ⊙ {normalized.Name}", $"{dzq.LatexName} \\odot {normalized.LatexName}");
                Gradients[n + ".b"] = Defined(Grad(beta.Name), GradLatex(beta), beta.Rows, 1, Stage.Backward, k => new Ref(dzq, k), dzq.Name, dzq.LatexName);
                if (!needInput)
                {
                    break;
                }

                int width = normalized.Length;
                var all = Enumerable.Range(0, width);
                var dx = Defined(Grad(normalized.Name), GradLatex(normalized), width, 1, Stage.Backward,
                    k => new Product(new Ref(gamma, k), new Ref(dzq, k)), $"{gamma.Name} ⊙ {dzq.Name}", $"{gamma.LatexName} \\odot {dzq.LatexName}");
                Expr Mean(Func<int, Expr> term) => new Quotient(new Sum(all.Select(term).ToArray()), new Num(width));
                through[n] = Defined($"{Grad(input.Name)} (through {n})", $"\\frac{{\\partial L}}{{\\partial {input.LatexName}}}\\Big|_{{{n}}}#", width, 1, Stage.Backward,
                    k => new Product(new Ref(r, 0), new Difference(new Difference(new Ref(dx, k), Mean(c => new Ref(dx, c))),
                        new Product(new Ref(normalized, k), Mean(c => new Product(new Ref(dx, c), new Ref(normalized, c)))))),
                    $"{r.Name}·({dx.Name} − mean {dx.Name} − {normalized.Name}·mean({dx.Name} ⊙ {normalized.Name}))",
                    $"{r.LatexName} \\left({dx.LatexName} - \\overline{{{dx.LatexName}}} - {normalized.LatexName} \\, \\overline{{{dx.LatexName} \\odot {normalized.LatexName}}}\\right)");
                break;
            }

            case LayerKind.Dropout:
            {
                if (!needInput)
                {
                    break;
                }

                var mask = _masks[n];
                through[n] = Defined($"{Grad(input.Name)} (through {n})", $"\\frac{{\\partial L}}{{\\partial {input.LatexName}}}\\Big|_{{{n}}}#", mask.Length, 1, Stage.Backward,
                    k => new Product(new Ref(mask, k), new Ref(dzq, k)), $"{mask.Name} ⊙ {dzq.Name}", $"{mask.LatexName} \\odot {dzq.LatexName}");
                break;
            }

            case LayerKind.Conv2D:
            {
                var taps = _images[n].Taps;
                ConvolutionGradient(n + ".W", dzq, input, taps);
                var bias = _blocks[n + ".b"];
                int positions = dzq.Length / bias.Rows;
                Gradients[n + ".b"] = Defined(Grad(bias.Name), GradLatex(bias), bias.Rows, 1, Stage.Backward,
                    o => SumOf(Enumerable.Range(o * positions, positions).Select(i => (Expr)new Ref(dzq, i))),
                    $"Σ of {dzq.Name} over each channel", $"\\sum_{{i,j}} {dzq.LatexName}");
                if (needInput)
                {
                    var w = _blocks[n + ".W"];
                    through[n] = Through(n, input, i => SumOf(taps.ByInput[i].Select(t => (Expr)new Product(new Ref(dzq, t.Output), new Ref(w, t.Weight)))),
                        $"{w.Name} ⋆ᵀ {dzq.Name} (the transposed convolution)", $"{w.LatexName}^\\top \\star {dzq.LatexName}");
                }

                break;
            }

            case LayerKind.MaxPool2D when needInput:
            {
                var (taps, maxima) = _images[n];
                var readers = Enumerable.Range(0, input.Length).Select(_ => new List<int>()).ToArray();
                for (int r = 0; r < maxima!.Length; r++)
                {
                    readers[maxima[r]].Add(r);
                }

                through[n] = Through(n, input, i => SumOf(readers[i].Select(r => (Expr)new Ref(dzq, r))),
                    $"{dzq.Name} at each window's first maximum", $"{dzq.LatexName} \\text{{ at each window's maximum}}");
                break;
            }

            case LayerKind.AvgPool2D when needInput:
            {
                var taps = _images[n].Taps;
                int area = layer.KernelSize * layer.KernelSize;
                through[n] = Through(n, input, i => SumOf(taps.ByInput[i].Select(t => (Expr)new Quotient(new Ref(dzq, t.Output), new Num(area)))),
                    $"{dzq.Name}/{area} over each window", $"{dzq.LatexName} / {area}");
                break;
            }

            case LayerKind.GlobalAvgPool2D when needInput:
            {
                int spatial = input.Length / dzq.Length;
                through[n] = Through(n, input, i => new Quotient(new Ref(dzq, i / spatial), new Num(spatial)),
                    $"{dzq.Name}/{spatial} over each channel", $"{dzq.LatexName} / {spatial}");
                break;
            }

            case LayerKind.MaxPool2D or LayerKind.AvgPool2D or LayerKind.GlobalAvgPool2D:
                break;

            default:
                throw new NotSupportedException($"Explain does not know the layer kind {layer.Kind}.");
        }
    }

    /// <summary>dL/dh_prev through layer n's own operation.</summary>
    private Quantity Through(string n, Quantity input, Func<int, Expr> entry, string text, string latex) =>
        Defined($"{Grad(input.Name)} (through {n})", $"\\frac{{\\partial L}}{{\\partial {input.LatexName}}}\\Big|_{{{n}}}#", input.Length, 1, Stage.Backward, entry, text, latex);

    /// <summary>Layer n's taps, built on the first pass and read again after the step (they depend on shapes only).</summary>
    private Taps ImageTaps(string n, Func<Taps> build)
    {
        if (!_images.TryGetValue(n, out var entry))
        {
            entry = (build(), null);
            _images[n] = entry;
        }

        return entry.Taps;
    }

    /// <summary>The terms' sum; 0 when there are none, the term itself when there is one.</summary>
    private static Expr SumOf(IEnumerable<Expr> terms)
    {
        var list = terms.ToList();
        return list.Count switch
        {
            0 => new Num(0),
            1 => list[0],
            _ => new Sum(list),
        };
    }

    /// <summary>The input index of a window's first maximum in row-major order (a NaN counts as a maximum), as the kernels take it.</summary>
    private static int FirstMaximum(List<(int Weight, int Input)> window, double[] values)
    {
        int best = window[0].Input;
        foreach (var (_, at) in window)
        {
            if (values[at] > values[best] || (double.IsNaN(values[at]) && !double.IsNaN(values[best])))
            {
                best = at;
            }
        }

        return best;
    }

    /// <summary>The 1×1 convolution of a weighted skip between images, or null for a matrix (or an identity skip).</summary>
    private Taps? Projection(string from, LayerInfo to, string? matrix)
    {
        if (matrix is null || _net.ShapeOf(from) is not { } a || to.Shape is not { } b)
        {
            return null;
        }

        string key = $"{from}->{to.Name}";
        if (!_projections.TryGetValue(key, out var taps))
        {
            taps = Taps.Convolution(a, b, 1, a[1] / b[1], 0);
            _projections[key] = taps;
        }

        return taps;
    }

    /// <summary>dL/dW of a convolution: each weight's Σ dL/dz·h over the products it takes part in.</summary>
    private void ConvolutionGradient(string blockName, Quantity dz, Quantity input, Taps taps)
    {
        var block = _blocks[blockName];
        Gradients[blockName] = Defined(Grad(block.Name), GradLatex(block), block.Rows, block.Cols, Stage.Backward,
            i => SumOf(taps.ByWeight[i].Select(t => (Expr)new Product(new Ref(dz, t.Output), new Ref(input, t.Input)))),
            $"{dz.Name} ⋆ {input.Name} (each weight's Σ over the positions it reads)", $"{dz.LatexName} \\star {input.LatexName}");
    }

    private static (string Text, string Latex) DerivativeFormula(LayerInfo layer, Quantity dh, Quantity z, Quantity h) =>
        ActivationInfo.Of(layer).Factor(z.Name, z.LatexName, h.Name, h.LatexName) is { } factor
            ? ($"{dh.Name} ⊙ {factor.Text}", $"{dh.LatexName} \\odot {factor.Latex}")
            : (dh.Name, dh.LatexName);

    /// <summary>dL/dŷ, the hand-off from the loss to the backward pass (one sample: B = 1).</summary>
    private Quantity OutputGradient(int n)
    {
        string o = Output.Name, y = Y.Name, ol = Output.LatexName, yl = Y.LatexName;
        string over = n == 1 ? "" : $"/{n}", overLatex = n == 1 ? "" : $" / {n}";
        Expr Mean(Expr g) => n == 1 ? g : new Quotient(g, new Num(n));
        if (_net.Loss == SkipNet.Loss.CrossEntropy)
        {
            var (ceEntry, ceText, ceTex) = CrossEntropyGradient();
            return Defined(Grad(Output.Name), GradLatex(Output), n, 1, Stage.Backward, ceEntry, ceText, ceTex);
        }

        var info = LossInfo.Of(_net);
        var (_, text, tex) = info.ExplainGradient(new Ref(Output, 0), new Ref(Y, 0), _net.HuberDelta, o, y, ol, yl);
        Expr entry(int k) => Mean(info.ExplainGradient(new Ref(Output, k), new Ref(Y, k), _net.HuberDelta, o, y, ol, yl).Gradient);
        (text, tex) = (text + over, tex + overLatex);
        return Defined(Grad(Output.Name), GradLatex(Output), n, 1, Stage.Backward, entry, text, tex);
    }

    /// <summary>(p − y)/B, or (p·Σy − y)/B for targets that do not sum to 1; B = 1 sample.</summary>
    private (Func<int, Expr>, string, string) CrossEntropyGradient()
    {
        var p = _quantities.Last(q => q.Name == _probabilities);
        bool normalized = Math.Abs(Y.Values.Sum() - 1) < 1e-12;
        var b = new Constant("B", 1);
        Func<int, Expr> entry = normalized
            ? c => new Quotient(new Difference(new Ref(p, c), new Ref(Y, c)), b)
            : c => new Quotient(new Difference(new Product(new Ref(p, c), new Sum(Enumerable.Range(0, Y.Length).Select(k => (Expr)new Ref(Y, k)).ToArray())), new Ref(Y, c)), b);
        return normalized
            ? (entry, $"({p.Name} − {Y.Name})/B", $"({p.LatexName} - {Y.LatexName}) / B")
            : (entry, $"({p.Name}·Σ{Y.Name} − {Y.Name})/B", $"({p.LatexName} \\sum {Y.LatexName} - {Y.LatexName}) / B");
    }

    /// <summary>dL/dh for a hidden layer: one term per edge that reads it (the next layer's W, skips).</summary>
    private Quantity GradientOfActivation(LayerInfo layer, int index, Quantity a, Dictionary<string, Quantity> dz, Dictionary<string, Quantity> through)
    {
        // Each reader: its dL/dz (or dL/dh_prev through its own operation), its matrix, and a skip's 1×1 convolution.
        var readers = new List<(Quantity DZ, Quantity? Matrix, Taps? Taps, string Path)>();
        var next = _net.Layers[index + 1];
        readers.Add(next.Kind == LayerKind.Dense ? (dz[next.Name], _blocks[next.Name + ".W"], null, "through " + next.Name) : (through[next.Name], null, null, "through " + next.Name));
        foreach (var skip in _net.Skips.Where(s => s.From == layer.Name))
        {
            bool weighted = skip.Kind == SkipKind.Weighted;
            readers.Add((dz[skip.To], weighted ? _blocks[$"{skip.From}->{skip.To}.S"] : null, weighted ? _projections.GetValueOrDefault($"{skip.From}->{skip.To}") : null, $"skip {skip.From}->{skip.To}"));
        }

        int width = a.Length;
        string text = string.Join(" + ", readers.Select(r => r.Matrix is null ? r.DZ.Name : r.Taps is null ? $"{r.Matrix.Name}ᵀ·{r.DZ.Name}" : $"{r.Matrix.Name} ⋆ᵀ {r.DZ.Name}"));
        string tex = string.Join(" + ", readers.Select(r => r.Matrix is null ? r.DZ.LatexName : r.Taps is null ? $"{r.Matrix.LatexName}^\\top {r.DZ.LatexName}" : $"{r.Matrix.LatexName}^\\top \\star {r.DZ.LatexName}"));
        string? note = readers.Count > 1 ? $"{readers.Count} paths: {string.Join(", ", readers.Select(r => r.Path))}" : null;
        return Defined(Grad(a.Name), GradLatex(a), width, 1, Stage.Backward, c =>
        {
            var terms = new List<Expr>();
            foreach (var (d, matrix, taps, _) in readers)
            {
                if (matrix is null)
                {
                    terms.Add(new Ref(d, c));
                }
                else if (taps is not null)
                {
                    terms.AddRange(taps.ByInput[c].Select(t => (Expr)new Product(new Ref(d, t.Output), new Ref(matrix, t.Weight))));
                }
                else
                {
                    for (int r = 0; r < d.Length; r++)
                    {
                        terms.Add(new Product(new Ref(d, r), new Ref(matrix, r * width + c)));
                    }
                }
            }

            return SumOf(terms);
        }, text, tex, note);
    }

    /// <summary>dL/dW = dL/dz·h_inᵀ (or dL/dS for a weighted skip).</summary>
    private void Outer(string blockName, Quantity dz, Quantity input)
    {
        var block = _blocks[blockName];
        int cols = block.Cols;
        Gradients[blockName] = Defined(Grad(block.Name), GradLatex(block), block.Rows, cols, Stage.Backward,
            i => new Product(new Ref(dz, i / cols), new Ref(input, i % cols)),
            $"{dz.Name}·{input.Name}ᵀ", $"{dz.LatexName} \\, {input.LatexName}^\\top");
    }

    private void Update()
    {
        foreach (var block in _net.Blocks)
        {
            var p = _blocks[block.Name];
            var g = Gradients[block.Name];
            Updated[block.Name] = Defined(p.Name + "'", p.LatexName + "'#", p.Rows, p.Cols, Stage.Update,
                i => new Difference(new Ref(p, i), new Product(new Ref(Alpha, 0), new Ref(g, i))),
                $"{p.Name} − α·{g.Name}", $"{p.LatexName} - \\alpha {g.LatexName}");
        }
    }
}
