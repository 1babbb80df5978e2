using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using SkipNet.Generator.Model;

namespace SkipNet.Generator.Emit;

/// <summary>
/// Straight-line code for small networks: one scalar local per unit, one statement per equation,
/// each layer's equation in a comment. Names: x (input), h0 (activation of layer h0), z_h0
/// (pre-activation), w_h0 / b_h0 / s_h0_y (parameters), dL_dh0 and dL_dz_h0 (gradients); units of
/// wider layers get an index (h1_2, w_h1_2_0 for row 2, column 0). Each local is claimed from
/// <see cref="NetworkNames.Local"/>, so a name that a member already has gets a trailing "_".
/// Everything lives in locals: the methods share no buffer, so any number of threads may run them.
/// </summary>
internal sealed class UnrolledEmitter : IBodyEmitter
{
    private readonly NetworkPlan _plan;
    private readonly NetworkNames _names;
    private readonly string _t;
    private readonly string _math;
    private readonly string _xIn, _yOut, _yIn, _scale, _loss, _p, _g;

    public UnrolledEmitter(NetworkPlan plan, NetworkNames names)
    {
        _plan = plan;
        _names = names;
        _t = plan.T;
        _math = plan.Model.Precision switch
        {
            Precision.Double => "global::System.Math",
            Precision.Single => "global::System.MathF",
            _ => throw new InvalidOperationException("Unknown precision " + plan.Model.Precision),
        };

        // The methods' own names first, so they keep them; then every equation's locals as they come.
        (_xIn, _yOut, _yIn, _scale, _loss, _p, _g) = (F("x_in"), F("y_out"), F("y_in"), F("scale_"), F("loss_"), F("p_"), F("g_"));
    }

    private string L(string preferred) => _names.Local(preferred);

    private string F(string preferred) => _names.FixedLocal(preferred);

    private string Num(double value) => Literals.Number(value, _plan.Model.Precision);

    /// <summary>The math name of unit i of a node: "h0" when 1 wide, else "h1_2".</summary>
    private static string UnitName(Node n, int i) => n.Width == 1 ? Vec(n) : $"{Vec(n)}_{i}";

    private string Unit(Node n, int i) => L(UnitName(n, i));

    private string Z(Node n, int i) => L("z_" + UnitName(n, i));

    private string DH(Node n, int i) => L("dL_d" + UnitName(n, i));

    private string DZ(Node n, int i) => L("dL_dz_" + UnitName(n, i));

    private string Entry(Block block, int r, int c) => L(block.Entry(r, c));

    private string Target(Node output, int i) => L(output.Width == 1 ? "y_true" : $"y_true_{i}");

    private string Error(Node output, int i) => L("e_" + UnitName(output, i));

    private static string Vec(Node n) => n.IsInput ? Naming.Input : n.Name;

    public void Emit(SourceWriter w, CancellationToken cancellationToken)
    {
        string ROS = $"global::System.ReadOnlySpan<{_t}>";
        w.Open($"private void {_names.ForwardRows}({ROS} x, global::System.Span<{_t}> output, int samples)");
        w.Open("for (int s = 0; s < samples; s++)");
        w.Line($"{_names.ForwardBody}(x.Slice(s * InputSize, InputSize), output.Slice(s * OutputSize, OutputSize));");
        w.Close();
        w.Close();
        w.Line();

        w.Open($"private {_t} {_names.EvaluateRows}({ROS} x, {ROS} y, int samples)");
        w.Line($"{_t} sum = {Num(0)};");
        w.Open("for (int s = 0; s < samples; s++)");
        w.Line($"sum += {_names.LossBody}(x.Slice(s * InputSize, InputSize), y.Slice(s * OutputSize, OutputSize));");
        w.Close();
        w.Line();
        w.Line("return sum;");
        w.Close();
        w.Line();

        string P = _names.ParametersField, G = _names.GradientsField;
        w.Open($"private {_t} {_names.BackwardRows}({ROS} x, {ROS} y, int samples, {_t} scale, global::SkipNet.GradientWrite<{_t}> write)");
        w.Open("if (write.Overwrite)");
        w.Line($"global::System.Array.Clear({G});");
        w.Close();
        w.Line();
        w.Line($"{_t} sum = {Num(0)};");
        w.Open("for (int s = 0; s < samples; s++)");
        w.Line($"sum += {_names.BackwardBody}(x.Slice(s * InputSize, InputSize), y.Slice(s * OutputSize, OutputSize), scale);");
        w.Close();
        w.Line();
        w.Open("if (write.Step)");
        w.Line($"global::SkipNet.Optimizers.Sgd<{_t}>({P}, {G}, write.LearningRate);");
        w.Close();
        w.Line();
        w.Line("return sum;");
        w.Close();
        w.Line();

        w.Line("// One sample, forward: every equation of the network, in declaration order.");
        w.Open($"private void {_names.ForwardBody}({ROS} {_xIn}, global::System.Span<{_t}> {_yOut})");
        EmitParameters(w);
        EmitForwardEquations(w, cancellationToken);
        w.Line();
        var output = _plan.Output;
        for (int i = 0; i < output.Width; i++)
        {
            w.Line($"{_yOut}[{i}] = {Unit(output, i)};");
        }

        w.Close();
        w.Line();

        w.Line("// One sample, forward and loss: returns the sample's summed loss.");
        w.Open($"private {_t} {_names.LossBody}({ROS} {_xIn}, {ROS} {_yIn})");
        EmitParameters(w);
        EmitForwardEquations(w, cancellationToken);
        EmitLoss(w);
        w.Line();
        w.Line($"return {_loss};");
        w.Close();
        w.Line();

        w.Line("// One sample, forward then backward by the chain rule; adds dL/dp into the gradients and");
        w.Line("// returns this sample's summed loss. scale_ = 1/N, N = batch size × OutputSize.");
        w.Open($"private {_t} {_names.BackwardBody}({ROS} {_xIn}, {ROS} {_yIn}, {_t} {_scale})");
        EmitParameters(w);
        EmitForwardEquations(w, cancellationToken);
        EmitLoss(w);
        EmitLossGradient(w);
        w.Line();
        w.Line($"global::System.Span<{_t}> {_g} = new({G}, 0, ParameterCount);");
        foreach (var node in _plan.Layers.Reverse())
        {
            cancellationToken.ThrowIfCancellationRequested();
            EmitBackward(w, node);
        }

        w.Line();
        w.Line($"return {_loss};");
        w.Close();
    }

    private void EmitParameters(SourceWriter w)
    {
        w.Line($"global::System.ReadOnlySpan<{_t}> {_p} = new({_names.ParametersField}, 0, ParameterCount);");
        foreach (var block in _plan.Blocks)
        {
            for (int r = 0; r < block.Rows; r++)
            {
                for (int c = 0; c < block.Cols; c++)
                {
                    int index = block.Offset + r * block.Cols + c;
                    string comment = r == 0 && c == 0 ? $" // {block.Name}" : "";
                    w.Line($"{_t} {Entry(block, r, c)} = {_p}[{index}];{comment}");
                }
            }
        }
    }

    private void EmitForwardEquations(SourceWriter w, CancellationToken cancellationToken)
    {
        var input = _plan.Input;
        for (int i = 0; i < input.Width; i++)
        {
            w.Line($"{_t} {Unit(input, i)} = {_xIn}[{i}];");
        }

        foreach (var node in _plan.Layers)
        {
            cancellationToken.ThrowIfCancellationRequested();
            w.Line();
            var dense = node.Dense!;
            var terms = new List<string> { $"{dense.Matrix!.MathName}·{Vec(dense.From)}", node.Bias!.MathName };
            terms.AddRange(node.Skips.Select(s => s.Matrix is null ? Vec(s.From) : $"{s.Matrix.MathName}·{Vec(s.From)}"));
            w.Line($"// z_{node.Name} = {string.Join(" + ", terms)}");
            for (int r = 0; r < node.Width; r++)
            {
                var sum = new List<string>();
                sum.AddRange(Product(dense.Matrix, r, dense.From));
                sum.Add(Entry(node.Bias, r, 0));
                foreach (var skip in node.Skips)
                {
                    if (skip.Matrix is null)
                    {
                        sum.Add(Unit(skip.From, r));
                    }
                    else
                    {
                        sum.AddRange(Product(skip.Matrix, r, skip.From));
                    }
                }

                w.Line($"{_t} {Z(node, r)} = {string.Join(" + ", sum)};");
            }

            w.Line(node.Activation == Activation.Identity
                ? $"// {node.Name} = z_{node.Name} (identity)"
                : $"// {node.Name} = {ActivationName(node)}(z_{node.Name})");
            for (int r = 0; r < node.Width; r++)
            {
                w.Line($"{_t} {Unit(node, r)} = {Activate(node, Z(node, r))};");
            }
        }
    }

    private IEnumerable<string> Product(Block matrix, int row, Node from) =>
        Enumerable.Range(0, from.Width).Select(c => $"{Entry(matrix, row, c)} * {Unit(from, c)}");

    private string ActivationName(Node node) =>
        node.Activation == Activation.LeakyReLU ? $"LeakyReLU[α = {Num(node.Alpha)}]" : node.Activation.ToString();

    private string Activate(Node node, string z) => node.Activation switch
    {
        Activation.Identity => z,
        Activation.ReLU => $"{z} >= {Num(0)} ? {z} : {Num(0)}",
        Activation.LeakyReLU => $"{z} >= {Num(0)} ? {z} : {Num(node.Alpha)} * {z}",
        Activation.Tanh => $"{_math}.Tanh({z})",
        Activation.Sigmoid => $"{Num(1)} / ({Num(1)} + {_math}.Exp(-{z}))",
        _ => throw new InvalidOperationException("Unknown activation " + node.Activation),
    };

    /// <summary>The sample's summed loss into loss_ (MSE keeps each residual in e_ for the gradient).</summary>
    private void EmitLoss(SourceWriter w)
    {
        var output = _plan.Output;
        w.Line();
        string target = output.Width == 1 ? "y_true" : "y_true_i";
        string yhat = output.Width == 1 ? output.Name : $"{output.Name}_i";
        for (int i = 0; i < output.Width; i++)
        {
            w.Line($"{_t} {Target(output, i)} = {_yIn}[{i}];");
        }

        switch (_plan.Model.Loss)
        {
            case LossKind.L1:
                w.Line($"// L1 loss, ŷ = {output.Name}: L = |{yhat} − {target}| (summed here; the caller divides by N)");
                w.Line($"{_t} {_loss} = {string.Join(" + ", Enumerable.Range(0, output.Width).Select(i => $"{_math}.Abs({Unit(output, i)} - {Target(output, i)})"))};");
                break;
            case LossKind.MSE:
                w.Line($"// MSE loss, ŷ = {output.Name}: L = ({yhat} − {target})² (summed here; the caller divides by N)");
                for (int i = 0; i < output.Width; i++)
                {
                    w.Line($"{_t} {Error(output, i)} = {Unit(output, i)} - {Target(output, i)};");
                }

                w.Line($"{_t} {_loss} = {string.Join(" + ", Enumerable.Range(0, output.Width).Select(i => $"{Error(output, i)} * {Error(output, i)}"))};");
                break;
            default:
                throw new InvalidOperationException("Unknown loss " + _plan.Model.Loss);
        }
    }

    /// <summary>dL/dŷ for each output, with the 1/N of the mean.</summary>
    private void EmitLossGradient(SourceWriter w)
    {
        var output = _plan.Output;
        switch (_plan.Model.Loss)
        {
            case LossKind.L1:
                w.Line("// dL/dŷ = sign(ŷ − y_true)/N, with sign(0) = 0");
                for (int i = 0; i < output.Width; i++)
                {
                    string y = Unit(output, i), t = Target(output, i);
                    w.Line($"{_t} {DH(output, i)} = {y} > {t} ? {_scale} : {y} < {t} ? -{_scale} : {Num(0)};");
                }

                break;
            case LossKind.MSE:
                w.Line("// dL/dŷ = 2(ŷ − y_true)/N");
                for (int i = 0; i < output.Width; i++)
                {
                    w.Line($"{_t} {DH(output, i)} = {Num(2)} * {Error(output, i)} * {_scale};");
                }

                break;
            default:
                throw new InvalidOperationException("Unknown loss " + _plan.Model.Loss);
        }
    }

    private void EmitBackward(SourceWriter w, Node node)
    {
        w.Line();
        if (node != _plan.Output)
        {
            // dL/dh = Σ over every edge that reads h: the next layer's W, and each skip from here.
            var paths = node.Readers.Select(e =>
                e.Matrix is null ? $"dL/dz_{e.To.Name}"
                : e.Matrix.Length == 1 ? $"dL/dz_{e.To.Name}·{e.Matrix.MathName}"
                : $"{e.Matrix.MathName}ᵀ·dL/dz_{e.To.Name}");
            string via = node.Readers.Count > 1
                ? $"   ({node.Readers.Count} paths: {string.Join(", ", node.Readers.Select(e => e.IsSkip ? $"skip {node.Name}->{e.To.Name}" : $"through {e.To.Name}"))})"
                : "";
            w.Line($"// dL/d{node.Name} = {string.Join(" + ", paths)}{via}");
            for (int i = 0; i < node.Width; i++)
            {
                var sum = new List<string>();
                foreach (var edge in node.Readers)
                {
                    if (edge.Matrix is null)
                    {
                        sum.Add(DZ(edge.To, i));
                    }
                    else
                    {
                        sum.AddRange(Enumerable.Range(0, edge.To.Width).Select(r => $"{DZ(edge.To, r)} * {Entry(edge.Matrix, r, i)}"));
                    }
                }

                w.Line($"{_t} {DH(node, i)} = {string.Join(" + ", sum)};");
            }
        }

        w.Line($"// dL/dz_{node.Name} = dL/d{node.Name}{DerivativeComment(node)}");
        for (int i = 0; i < node.Width; i++)
        {
            w.Line($"{_t} {DZ(node, i)} = {Derivative(node, i)};");
        }

        foreach (var edge in new[] { node.Dense! }.Concat(node.Skips).Where(e => e.Matrix is not null))
        {
            var m = edge.Matrix!;
            string product = m.Length == 1 ? $"dL/dz_{node.Name}·{Vec(edge.From)}" : $"dL/dz_{node.Name}·{Vec(edge.From)}ᵀ";
            w.Line($"// dL/d{m.MathName} += {product}");
            for (int r = 0; r < m.Rows; r++)
            {
                for (int c = 0; c < m.Cols; c++)
                {
                    w.Line($"{_g}[{m.Offset + r * m.Cols + c}] += {DZ(node, r)} * {Unit(edge.From, c)};");
                }
            }

            if (edge == node.Dense)
            {
                var b = node.Bias!;
                w.Line($"// dL/d{b.MathName} += dL/dz_{node.Name}");
                for (int r = 0; r < b.Rows; r++)
                {
                    w.Line($"{_g}[{b.Offset + r}] += {DZ(node, r)};");
                }
            }
        }
    }

    private string DerivativeComment(Node node) => node.Activation switch
    {
        Activation.Identity => "",
        Activation.ReLU => $"·[z_{node.Name} ≥ 0]",
        Activation.LeakyReLU => $"·(1 if z_{node.Name} ≥ 0 else {Num(node.Alpha)})",
        Activation.Tanh => $"·(1 − {node.Name}²)",
        Activation.Sigmoid => $"·{node.Name}·(1 − {node.Name})",
        _ => throw new InvalidOperationException("Unknown activation " + node.Activation),
    };

    private string Derivative(Node node, int i)
    {
        string d = DH(node, i), z = Z(node, i), h = Unit(node, i);
        return node.Activation switch
        {
            Activation.Identity => d,
            Activation.ReLU => $"{z} >= {Num(0)} ? {d} : {Num(0)}",
            Activation.LeakyReLU => $"{z} >= {Num(0)} ? {d} : {Num(node.Alpha)} * {d}",
            Activation.Tanh => $"{d} * ({Num(1)} - {h} * {h})",
            Activation.Sigmoid => $"{d} * {h} * ({Num(1)} - {h})",
            _ => throw new InvalidOperationException("Unknown activation " + node.Activation),
        };
    }
}
