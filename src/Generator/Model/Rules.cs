using System;
using System.Linq;

namespace SkipNet.Generator.Model;

/// <summary>How the code being written spells numbers and math: "0.5" or "0.5f", Math or MathF.</summary>
internal sealed class Code
{
    public Code(Precision precision)
    {
        Precision = precision;
        Math = precision switch
        {
            Precision.Double => "global::System.Math",
            Precision.Single => "global::System.MathF",
            _ => throw new InvalidOperationException("Unknown precision " + precision),
        };
    }

    public Precision Precision { get; }

    public string Math { get; }

    public string Num(double value) => Emit.Literals.Number(value, Precision);
}

/// <summary>
/// Every fact about an activation that SkipNet's generated code depends on, in one place: how the
/// unrolled code computes it and its derivative, the comments, and (from <see cref="ActivationFacts"/>,
/// which the runtime compiles too) what the derivative reads and the initializer. The looped code
/// calls the kernels <see cref="Emit.RuntimeNames.ActivationKernels"/> names, taking α after the spans
/// when <see cref="HasAlpha"/>. A new <see cref="Activation"/> member missing here fails
/// <c>ConformanceTests</c> under its name.
/// </summary>
internal sealed class ActivationRule
{
    private ActivationRule(
        Activation kind,
        Func<Code, string, double, string> forward, Func<Code, string, string, string, double, string> backward,
        Func<string, string, string> forwardComment, Func<string, string, string> derivativeComment)
    {
        Kind = kind;
        He = ActivationFacts.He(kind);
        DerivativeReads = ActivationFacts.Reads(kind);
        Forward = forward;
        Backward = backward;
        ForwardComment = forwardComment;
        DerivativeComment = derivativeComment;
    }

    /// <summary>A [Differentiable] function of the user's: its methods compute it, f′ reads z, the matrices into it are drawn Glorot uniform.</summary>
    private ActivationRule(FunctionNames function)
        : this(Activation.Identity,
            (c, z, a) => $"{function.Value}({z})", (c, d, z, h, a) => $"{d} * {function.Derivative}({z})",
            (n, a) => $"{function.Name}(z_{n})", (n, a) => $"·{function.Name}′(z_{n})")
    {
        Function = function;
        DerivativeReads = DerivativeOperand.Z;
    }

    /// <summary>The user's function this rule computes, or null for a built-in activation.</summary>
    public FunctionNames? Function { get; }

    public Activation Kind { get; }

    /// <summary>He uniform for the matrices into the layer, else Glorot uniform (<see cref="ActivationFacts.He"/>, shared with the runtime).</summary>
    public bool He { get; }

    /// <summary>What f′ is computed from (<see cref="ActivationFacts.Reads"/>, shared with the runtime).</summary>
    public DerivativeOperand DerivativeReads { get; }

    public bool HasAlpha => Kind == Activation.LeakyReLU;

    /// <summary>The layer's h is a value of its own (not z itself).</summary>
    public bool HasZ => Kind != Activation.Identity || Function is not null;

    /// <summary>Unrolled: h as an expression of z (and α).</summary>
    public Func<Code, string, double, string> Forward { get; }

    /// <summary>Unrolled: dL/dz as an expression of dL/dh, z, h (and α).</summary>
    public Func<Code, string, string, string, double, string> Backward { get; }

    /// <summary>"ReLU(z_h0)": the forward equation's right side in a comment, from the layer name and α's text.</summary>
    public Func<string, string, string> ForwardComment { get; }

    /// <summary>"·(1 − h0²)": the factor dL/dh is multiplied by, in a comment.</summary>
    public Func<string, string, string> DerivativeComment { get; }

    /// <summary>The rule of a layer: its [Differentiable] function's when it has one, else its activation's.</summary>
    public static ActivationRule Of(Activation activation, FunctionNames? function) => function is null ? Of(activation) : new(function);

    public static ActivationRule Of(Activation activation)
    {
        return activation switch
        {
            Activation.Identity => new(activation,
                (c, z, a) => z, (c, d, z, h, a) => d,
                (n, a) => $"z_{n} (identity)", (n, a) => ""),
            Activation.ReLU => new(activation,
                (c, z, a) => $"{z} >= {c.Num(0)} ? {z} : {c.Num(0)}", (c, d, z, h, a) => $"{z} >= {c.Num(0)} ? {d} : {c.Num(0)}",
                (n, a) => $"ReLU(z_{n})", (n, a) => $"·[z_{n} ≥ 0]"),
            Activation.LeakyReLU => new(activation,
                (c, z, a) => $"{z} >= {c.Num(0)} ? {z} : {c.Num(a)} * {z}", (c, d, z, h, a) => $"{z} >= {c.Num(0)} ? {d} : {c.Num(a)} * {d}",
                (n, a) => $"LeakyReLU[α = {a}](z_{n})", (n, a) => $"·(1 if z_{n} ≥ 0 else {a})"),
            Activation.Tanh => new(activation,
                (c, z, a) => $"{c.Math}.Tanh({z})", (c, d, z, h, a) => $"{d} * ({c.Num(1)} - {h} * {h})",
                (n, a) => $"Tanh(z_{n})", (n, a) => $"·(1 − {n}²)"),
            Activation.Sigmoid => new(activation,
                (c, z, a) => $"{c.Num(1)} / ({c.Num(1)} + {c.Math}.Exp(-{z}))", (c, d, z, h, a) => $"{d} * {h} * ({c.Num(1)} - {h})",
                (n, a) => $"Sigmoid(z_{n})", (n, a) => $"·{n}·(1 − {n})"),
            Activation.GELU => new(activation,
                (c, z, a) => $"{Emit.RuntimeNames.ActivationScalars(Activation.GELU)[0]}({z})", (c, d, z, h, a) => $"{d} * {Emit.RuntimeNames.ActivationScalars(Activation.GELU)[1]}({z})",
                (n, a) => $"GELU(z_{n}) = z_{n}·Φ(z_{n})", (n, a) => $"·(Φ(z_{n}) + z_{n}·φ(z_{n}))"),
            Activation.SiLU => new(activation,
                (c, z, a) => $"{Emit.RuntimeNames.ActivationScalars(Activation.SiLU)[0]}({z})", (c, d, z, h, a) => $"{d} * {Emit.RuntimeNames.ActivationScalars(Activation.SiLU)[1]}({z})",
                (n, a) => $"SiLU(z_{n}) = z_{n}·σ(z_{n})", (n, a) => $"·σ(z_{n})·(1 + z_{n}·(1 − σ(z_{n})))"),
            Activation.Softplus => new(activation,
                (c, z, a) => $"{Emit.RuntimeNames.ActivationScalars(Activation.Softplus)[0]}({z})", (c, d, z, h, a) => $"{d} * {Emit.RuntimeNames.ActivationScalars(Activation.Softplus)[1]}({z})",
                (n, a) => $"Softplus(z_{n}) = ln(1 + e^z_{n})", (n, a) => $"·σ(z_{n})"),
            _ => throw new InvalidOperationException("Unknown activation " + activation),
        };
    }
}

/// <summary>The names the unrolled code gives one output row: ŷ's units, the targets, dL/dŷ, the loss and 1/divisor.</summary>
internal interface ILossSite
{
    Code Code { get; }

    string T { get; }

    int Outputs { get; }

    /// <summary>ŷ's layer name, for comments.</summary>
    string OutputName { get; }

    /// <summary>One output and its target in a comment: "y" and "y_true", or "y_i" and "y_true_i" when the output is wider.</summary>
    (string Yhat, string Target) Generic { get; }

    /// <summary>The math name of output i: "y" when one wide, else "y_0"; for naming temporaries.</summary>
    string UnitName(int i);

    string Prediction(int i);

    string Target(int i);

    string Gradient(int i);

    /// <summary>A temporary of the loss: "e_y_0", "m_", claimed like every local.</summary>
    string Temp(string preferred);

    string Loss { get; }

    string Scale { get; }

    void Line(string line);
}

/// <summary>
/// Every fact about a loss that SkipNet's generated code depends on, in one place: its divisor
/// (every element, or every sample for cross-entropy), whether it takes logits, the smallest output
/// it makes sense on, the runtime kernel's extra arguments, and the unrolled statements for the
/// loss and for dL/dŷ (the hand-off to the backward pass; cross-entropy couples the outputs).
/// </summary>
internal sealed class LossRule
{
    private LossRule(Loss kind, bool perSample, string? logitsOf, int minimumOutputs, Func<double, Code, string> kernelArguments, Action<ILossSite, double> loss, Action<ILossSite, double> gradient, string description)
    {
        Kind = kind;
        PerSample = perSample;
        LogitsOf = logitsOf;
        MinimumOutputs = minimumOutputs;
        KernelArguments = kernelArguments;
        EmitLoss = loss;
        EmitGradient = gradient;
        Description = description;
    }

    public Loss Kind { get; }

    /// <summary>The mean is over samples (B), not over every element (N = B × OutputSize).</summary>
    public bool PerSample { get; }

    /// <summary>"softmax" or "sigmoid" for losses on logits (the output layer must be Identity); null otherwise.</summary>
    public string? LogitsOf { get; }

    public int MinimumOutputs { get; }

    /// <summary>What the runtime kernel <c>Losses.{Kind}</c> takes after (prediction, target): ", OutputSize" or ", δ".</summary>
    public Func<double, Code, string> KernelArguments { get; }

    /// <summary>Unrolled: declares the sample's summed loss (and any temporaries the gradient reuses). The double is Huber's δ.</summary>
    public Action<ILossSite, double> EmitLoss { get; }

    /// <summary>Unrolled: declares dL/dŷ for each output, with the 1/divisor of the mean.</summary>
    public Action<ILossSite, double> EmitGradient { get; }

    /// <summary>"the mean MSE loss over all k·OutputSize outputs", for XML docs.</summary>
    public string Description { get; }

    /// <summary>The divisor of the mean as C#, for a batch of <paramref name="samples"/>.</summary>
    public string Divisor(string samples) => PerSample ? samples : $"({samples} * OutputSize)";

    /// <summary>The network's loss: its [Differentiable] function's when it has one (per element, mean over all N), else the built-in's.</summary>
    public static LossRule Of(Loss loss, FunctionNames? function) => function is null ? Of(loss) : new(Loss.MSE, perSample: false, logitsOf: null, minimumOutputs: 1, (d, c) => "",
        (s, d) =>
        {
            s.Line($"// {function.Name} loss, ŷ = {s.OutputName}: L = {function.Name}({s.Generic.Yhat}, {s.Generic.Target}) (summed here; the caller divides by N)");
            s.Line($"{s.T} {s.Loss} = {string.Join(" + ", Enumerable.Range(0, s.Outputs).Select(i => $"{function.Value}({s.Prediction(i)}, {s.Target(i)})"))};");
        },
        (s, d) =>
        {
            s.Line($"// dL/dŷ = ∂{function.Name}/∂ŷ/N");
            for (int i = 0; i < s.Outputs; i++)
            {
                s.Line($"{s.T} {s.Gradient(i)} = {function.Derivative}({s.Prediction(i)}, {s.Target(i)}) * {s.Scale};");
            }
        },
        $"the mean {function.Name} loss over all k·OutputSize outputs")
    {
        Function = function,
    };

    /// <summary>The user's loss function this rule computes, or null for a built-in loss.</summary>
    public FunctionNames? Function { get; private init; }

    public static LossRule Of(Loss loss) => loss switch
    {
        Loss.L1 => new(loss, perSample: false, logitsOf: null, minimumOutputs: 1, (d, c) => "",
            (s, d) =>
            {
                s.Line($"// L1 loss, ŷ = {s.OutputName}: L = |{s.Generic.Yhat} − {s.Generic.Target}| (summed here; the caller divides by N)");
                s.Line($"{s.T} {s.Loss} = {string.Join(" + ", Enumerable.Range(0, s.Outputs).Select(i => $"{s.Code.Math}.Abs({s.Prediction(i)} - {s.Target(i)})"))};");
            },
            (s, d) =>
            {
                s.Line("// dL/dŷ = sign(ŷ − y_true)/N, with sign(0) = 0");
                for (int i = 0; i < s.Outputs; i++)
                {
                    string y = s.Prediction(i), t = s.Target(i);
                    s.Line($"{s.T} {s.Gradient(i)} = {y} > {t} ? {s.Scale} : {y} < {t} ? -{s.Scale} : {s.Code.Num(0)};");
                }
            },
            "the mean L1 loss over all k·OutputSize outputs"),
        Loss.MSE => new(loss, perSample: false, logitsOf: null, minimumOutputs: 1, (d, c) => "",
            (s, d) =>
            {
                s.Line($"// MSE loss, ŷ = {s.OutputName}: L = ({s.Generic.Yhat} − {s.Generic.Target})² (summed here; the caller divides by N)");
                for (int i = 0; i < s.Outputs; i++)
                {
                    s.Line($"{s.T} {s.Temp("e_" + s.UnitName(i))} = {s.Prediction(i)} - {s.Target(i)};");
                }

                s.Line($"{s.T} {s.Loss} = {string.Join(" + ", Enumerable.Range(0, s.Outputs).Select(i => $"{s.Temp("e_" + s.UnitName(i))} * {s.Temp("e_" + s.UnitName(i))}"))};");
            },
            (s, d) =>
            {
                s.Line("// dL/dŷ = 2(ŷ − y_true)/N");
                for (int i = 0; i < s.Outputs; i++)
                {
                    s.Line($"{s.T} {s.Gradient(i)} = {s.Code.Num(2)} * {s.Temp("e_" + s.UnitName(i))} * {s.Scale};");
                }
            },
            "the mean MSE loss over all k·OutputSize outputs"),
        Loss.Huber => new(loss, perSample: false, logitsOf: null, minimumOutputs: 1, (d, c) => ", " + c.Num(d),
            (s, d) =>
            {
                string delta = s.Code.Num(d), half = s.Code.Num(0.5);
                s.Line($"// Huber loss (δ = {delta}), ŷ = {s.OutputName}: L = h({s.Generic.Yhat} − {s.Generic.Target}), h(e) = ½e² if |e| < δ else δ(|e| − ½δ) (summed here; the caller divides by N)");
                for (int i = 0; i < s.Outputs; i++)
                {
                    s.Line($"{s.T} {s.Temp("e_" + s.UnitName(i))} = {s.Prediction(i)} - {s.Target(i)};");
                }

                s.Line($"{s.T} {s.Loss} = {string.Join(" + ", Enumerable.Range(0, s.Outputs).Select(i =>
                {
                    string e = s.Temp("e_" + s.UnitName(i));
                    return $"({s.Code.Math}.Abs({e}) < {delta} ? {half} * {e} * {e} : {delta} * ({s.Code.Math}.Abs({e}) - {half} * {delta}))";
                }))};");
            },
            (s, d) =>
            {
                string delta = s.Code.Num(d);
                s.Line("// dL/dŷ = e/N where |e| < δ, else δ·sign(e)/N");
                for (int i = 0; i < s.Outputs; i++)
                {
                    string e = s.Temp("e_" + s.UnitName(i));
                    s.Line($"{s.T} {s.Gradient(i)} = ({s.Code.Math}.Abs({e}) < {delta} ? {e} : {e} > {s.Code.Num(0)} ? {delta} : {e} < {s.Code.Num(0)} ? -{delta} : {s.Code.Num(0)}) * {s.Scale};");
                }
            },
            "the mean Huber loss over all k·OutputSize outputs"),
        Loss.BinaryCrossEntropy => new(loss, perSample: false, logitsOf: "sigmoid", minimumOutputs: 1, (d, c) => "",
            (s, d) =>
            {
                var (o, t) = s.Generic;
                s.Line($"// Binary cross-entropy on the logits ŷ = {s.OutputName}: L = max({o}, 0) − {o}·{t} + ln(1 + e^−|{o}|) (summed here; the caller divides by N)");
                s.Line($"{s.T} {s.Loss} = {string.Join(" + ", Enumerable.Range(0, s.Outputs).Select(i =>
                    $"{Emit.RuntimeNames.BinaryCrossEntropyTerm}({s.Prediction(i)}, {s.Target(i)})"))};");
            },
            (s, d) =>
            {
                s.Line("// dL/dŷ = (σ(ŷ) − y_true)/N");
                for (int i = 0; i < s.Outputs; i++)
                {
                    s.Line($"{s.T} {s.Gradient(i)} = ({s.Code.Num(1)} / ({s.Code.Num(1)} + {s.Code.Math}.Exp(-{s.Prediction(i)})) - {s.Target(i)}) * {s.Scale};");
                }
            },
            "the mean binary cross-entropy over all k·OutputSize outputs"),
        Loss.CrossEntropy => new(loss, perSample: true, logitsOf: "softmax", minimumOutputs: 2, (d, c) => ", OutputSize",
            (s, d) =>
            {
                var outputs = Enumerable.Range(0, s.Outputs).ToList();
                string max = s.Temp("m_"), sum = s.Temp("sum_exp_"), total = s.Temp("sum_y_");
                s.Line($"// Cross-entropy on the logits ŷ = {s.OutputName}: L = −Σ_c y_c·log softmax(ŷ)_c = (Σ_c y_c)·ln Σ_c e^(d_c) − Σ_c y_c·d_c, d_c = ŷ_c − max(ŷ)");
                s.Line("// (this sample's; the caller divides by the number of samples B), from the shifted logits as PyTorch's log_softmax.");
                s.Line($"{s.T} {max} = {outputs.Skip(1).Aggregate(s.Prediction(0), (m, i) => $"{s.Code.Math}.Max({m}, {s.Prediction(i)})")};");
                foreach (int i in outputs)
                {
                    s.Line($"{s.T} {s.Temp("d_" + s.UnitName(i))} = {s.Prediction(i)} - {max};");
                }

                foreach (int i in outputs)
                {
                    s.Line($"{s.T} {s.Temp("exp_" + s.UnitName(i))} = {s.Code.Math}.Exp({s.Temp("d_" + s.UnitName(i))});");
                }

                s.Line($"{s.T} {sum} = {string.Join(" + ", outputs.Select(i => s.Temp("exp_" + s.UnitName(i))))};");
                s.Line($"{s.T} {total} = {string.Join(" + ", outputs.Select(s.Target))};");
                s.Line($"{s.T} {s.Loss} = {total} * {s.Code.Math}.Log({sum}) - ({string.Join(" + ", outputs.Select(i => $"{s.Target(i)} * {s.Temp("d_" + s.UnitName(i))}"))});");
            },
            (s, d) =>
            {
                string sum = s.Temp("sum_exp_"), total = s.Temp("sum_y_");
                s.Line("// dL/dŷ_c = (p_c·Σy − y_c)/B, p = softmax(ŷ): (p_c − y_c)/B for targets that sum to 1");
                for (int i = 0; i < s.Outputs; i++)
                {
                    s.Line($"{s.T} {s.Gradient(i)} = ({s.Temp("exp_" + s.UnitName(i))} / {sum} * {total} - {s.Target(i)}) * {s.Scale};");
                }
            },
            "the mean cross-entropy over the k samples"),
        _ => throw new InvalidOperationException("Unknown loss " + loss),
    };
}
