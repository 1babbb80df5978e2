using System.Collections.Generic;
using System.Linq;
using System.Threading;
using SkipNet.Generator.Model;

namespace SkipNet.Generator.Emit;

/// <summary>
/// Straight-line code for small networks: one scalar local per unit, one statement per equation,
/// each layer's equation in a comment. Names: x (input), h0 (activation of layer h0), z_h0
/// (pre-activation), w_h0 / b_h0 / s_h0_y (parameters), dL_dh0 and dL_dz_h0 (gradients); units of
/// wider layers get an index (h1_2, w_h1_2_0 for row 2, column 0).
/// </summary>
internal sealed class UnrolledEmitter : IBodyEmitter
{
    private readonly NetworkPlan _plan;
    private readonly string _t;
    private readonly string _math;

    public UnrolledEmitter(NetworkPlan plan)
    {
        _plan = plan;
        _t = plan.T;
        _math = plan.Model.Precision == Precision.Single ? "global::System.MathF" : "global::System.Math";
    }

    private string Num(double value) => Literals.Number(value, _plan.Model.Precision);

    private static string Unit(Node n, int i) =>
        n.Width == 1 ? (n.IsInput ? "x" : n.Name) : $"{(n.IsInput ? "x" : n.Name)}_{i}";

    private static string Z(Node n, int i) => "z_" + Unit(n, i);

    private static string DH(Node n, int i) => "dL_d" + Unit(n, i);

    private static string DZ(Node n, int i) => "dL_dz_" + Unit(n, i);

    private static string Vec(Node n) => n.IsInput ? "x" : n.Name;

    public void EmitFields(SourceWriter w)
    {
    }

    public void EmitForward(SourceWriter w, CancellationToken cancellationToken)
    {
        w.Open($"private void ForwardRows(global::System.ReadOnlySpan<{_t}> x, global::System.Span<{_t}> output, int samples)");
        w.Open("for (int s = 0; s < samples; s++)");
        w.Line("ForwardSample(x.Slice(s * InputSize, InputSize), output.Slice(s * OutputSize, OutputSize));");
        w.Close();
        w.Close();
        w.Line();
        w.Line("// One sample, forward: every equation of the network, in declaration order.");
        w.Open($"private void ForwardSample(global::System.ReadOnlySpan<{_t}> x_in, global::System.Span<{_t}> y_out)");
        EmitParameters(w);
        EmitForwardEquations(w, cancellationToken);
        w.Line();
        var output = _plan.Output;
        for (int i = 0; i < output.Width; i++)
        {
            w.Line($"y_out[{i}] = {Unit(output, i)};");
        }

        w.Close();
    }

    public void EmitBackward(SourceWriter w, CancellationToken cancellationToken)
    {
        w.Open($"private {_t} BackwardRows(global::System.ReadOnlySpan<{_t}> x, global::System.ReadOnlySpan<{_t}> y, int samples, {_t} scale, global::SkipNet.GradientWrite<{_t}> write)");
        w.Open("if (write.Overwrite)");
        w.Line("ZeroGradients();");
        w.Close();
        w.Line();
        w.Line($"{_t} sum = {Num(0)};");
        w.Open("for (int s = 0; s < samples; s++)");
        w.Line("sum += BackwardSample(x.Slice(s * InputSize, InputSize), y.Slice(s * OutputSize, OutputSize), scale);");
        w.Close();
        w.Line();
        w.Open("if (write.Step)");
        w.Line("Step(write.LearningRate);");
        w.Close();
        w.Line();
        w.Line("return sum;");
        w.Close();
        w.Line();
        w.Line("// One sample, forward then backward by the chain rule; adds dL/dp into the gradients and");
        w.Line("// returns this sample's summed loss. scale_ = 1/N, N = batch size × OutputSize.");
        w.Open($"private {_t} BackwardSample(global::System.ReadOnlySpan<{_t}> x_in, global::System.ReadOnlySpan<{_t}> y_in, {_t} scale_)");
        EmitParameters(w);
        EmitForwardEquations(w, cancellationToken);
        EmitLoss(w);
        w.Line();
        w.Line($"global::System.Span<{_t}> g_ = new(_gradients, 0, ParameterCount);");
        foreach (var node in _plan.Layers.Reverse())
        {
            cancellationToken.ThrowIfCancellationRequested();
            EmitBackward(w, node);
        }

        w.Line();
        w.Line("return loss_;");
        w.Close();
    }

    private void EmitParameters(SourceWriter w)
    {
        w.Line($"global::System.ReadOnlySpan<{_t}> p_ = new(_parameters, 0, ParameterCount);");
        foreach (var block in _plan.Blocks)
        {
            for (int r = 0; r < block.Rows; r++)
            {
                for (int c = 0; c < block.Cols; c++)
                {
                    int index = block.Offset + r * block.Cols + c;
                    string comment = r == 0 && c == 0 ? $" // {block.Name}" : "";
                    w.Line($"{_t} {block.Entry(r, c)} = p_[{index}];{comment}");
                }
            }
        }
    }

    private void EmitForwardEquations(SourceWriter w, CancellationToken cancellationToken)
    {
        var input = _plan.Input;
        for (int i = 0; i < input.Width; i++)
        {
            w.Line($"{_t} {Unit(input, i)} = x_in[{i}];");
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
                sum.Add(node.Bias.Entry(r, 0));
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

    private static IEnumerable<string> Product(Block matrix, int row, Node from) =>
        Enumerable.Range(0, from.Width).Select(c => $"{matrix.Entry(row, c)} * {Unit(from, c)}");

    private string ActivationName(Node node) =>
        node.Activation == Activation.LeakyReLU ? $"LeakyReLU[α = {Num(node.Alpha)}]" : node.Activation.ToString();

    private string Activate(Node node, string z) => node.Activation switch
    {
        Activation.ReLU => $"{z} >= {Num(0)} ? {z} : {Num(0)}",
        Activation.LeakyReLU => $"{z} >= {Num(0)} ? {z} : {Num(node.Alpha)} * {z}",
        Activation.Tanh => $"{_math}.Tanh({z})",
        Activation.Sigmoid => $"{Num(1)} / ({Num(1)} + {_math}.Exp(-{z}))",
        _ => z,
    };

    private void EmitLoss(SourceWriter w)
    {
        var output = _plan.Output;
        w.Line();
        string target = output.Width == 1 ? "y_true" : "y_true_i";
        string yhat = output.Width == 1 ? output.Name : $"{output.Name}_i";
        for (int i = 0; i < output.Width; i++)
        {
            w.Line($"{_t} {Target(output, i)} = y_in[{i}];");
        }

        if (_plan.Model.Loss == LossKind.L1)
        {
            w.Line($"// L1 loss, ŷ = {output.Name}: L = |{yhat} − {target}| (summed here; the caller divides by N)");
            w.Line($"{_t} loss_ = {string.Join(" + ", Enumerable.Range(0, output.Width).Select(i => $"{_math}.Abs({Unit(output, i)} - {Target(output, i)})"))};");
            w.Line($"// dL/dŷ = sign(ŷ − y_true)/N, with sign(0) = 0");
            for (int i = 0; i < output.Width; i++)
            {
                string y = Unit(output, i), t = Target(output, i);
                w.Line($"{_t} {DH(output, i)} = {y} > {t} ? scale_ : {y} < {t} ? -scale_ : {Num(0)};");
            }
        }
        else
        {
            w.Line($"// MSE loss, ŷ = {output.Name}: L = ({yhat} − {target})² (summed here; the caller divides by N)");
            for (int i = 0; i < output.Width; i++)
            {
                w.Line($"{_t} e_{Unit(output, i)} = {Unit(output, i)} - {Target(output, i)};");
            }

            w.Line($"{_t} loss_ = {string.Join(" + ", Enumerable.Range(0, output.Width).Select(i => $"e_{Unit(output, i)} * e_{Unit(output, i)}"))};");
            w.Line("// dL/dŷ = 2(ŷ − y_true)/N");
            for (int i = 0; i < output.Width; i++)
            {
                w.Line($"{_t} {DH(output, i)} = {Num(2)} * e_{Unit(output, i)} * scale_;");
            }
        }
    }

    private static string Target(Node output, int i) => output.Width == 1 ? "y_true" : $"y_true_{i}";

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
                        sum.AddRange(Enumerable.Range(0, edge.To.Width).Select(r => $"{DZ(edge.To, r)} * {edge.Matrix.Entry(r, i)}"));
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
                    w.Line($"g_[{m.Offset + r * m.Cols + c}] += {DZ(node, r)} * {Unit(edge.From, c)};");
                }
            }

            if (edge == node.Dense)
            {
                var b = node.Bias!;
                w.Line($"// dL/d{b.MathName} += dL/dz_{node.Name}");
                for (int r = 0; r < b.Rows; r++)
                {
                    w.Line($"g_[{b.Offset + r}] += {DZ(node, r)};");
                }
            }
        }
    }

    private string DerivativeComment(Node node) => node.Activation switch
    {
        Activation.ReLU => $"·[z_{node.Name} ≥ 0]",
        Activation.LeakyReLU => $"·(1 if z_{node.Name} ≥ 0 else {Num(node.Alpha)})",
        Activation.Tanh => $"·(1 − {node.Name}²)",
        Activation.Sigmoid => $"·{node.Name}·(1 − {node.Name})",
        _ => "",
    };

    private string Derivative(Node node, int i)
    {
        string d = DH(node, i), z = Z(node, i), h = Unit(node, i);
        return node.Activation switch
        {
            Activation.ReLU => $"{z} >= {Num(0)} ? {d} : {Num(0)}",
            Activation.LeakyReLU => $"{z} >= {Num(0)} ? {d} : {Num(node.Alpha)} * {d}",
            Activation.Tanh => $"{d} * ({Num(1)} - {h} * {h})",
            Activation.Sigmoid => $"{d} * {h} * ({Num(1)} - {h})",
            _ => d,
        };
    }
}
