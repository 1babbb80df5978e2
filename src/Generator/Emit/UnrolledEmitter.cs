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
    private readonly Code _code;
    private readonly string _xIn, _yOut, _yIn, _scale, _loss, _p, _g, _dx;

    public UnrolledEmitter(NetworkPlan plan, NetworkNames names)
    {
        _plan = plan;
        _names = names;
        _t = plan.T;
        _code = new Code(plan.Model.Precision);

        // The methods' own names first, so they keep them; then every equation's locals as they come.
        (_xIn, _yOut, _yIn, _scale, _loss, _p, _g) = (F("x_in"), F("y_out"), F("y_in"), F("scale_"), F("loss_"), F("p_"), F("g_"));
        _dx = F("dx_in");
    }

    private string L(string preferred) => _names.Local(preferred);

    /// <summary>What the layer's activation computes: its [Differentiable] function's rule, or its built-in activation's.</summary>
    internal ActivationRule Rule(Node n) => ActivationRule.Of(n.Activation, _names.Function(n.Layer?.Function));

    private string F(string preferred) => _names.FixedLocal(preferred);

    private string Num(double value) => _code.Num(value);

    /// <summary>The math name of unit i of a node: "h0" when 1 wide, else "h1_2".</summary>
    private static string UnitName(Node n, int i) => n.Width == 1 ? Vec(n) : $"{Vec(n)}_{i}";

    private string Unit(Node n, int i) => L(UnitName(n, i));

    private string Z(Node n, int i) => L("z_" + UnitName(n, i));

    private string DH(Node n, int i) => L("dL_d" + UnitName(n, i));

    private string DZ(Node n, int i) => L("dL_dz_" + UnitName(n, i));

    private string Entry(Block block, int r, int c) => L(block.Entry(r, c));

    private string Target(Node output, int i) => L(output.Width == 1 ? "y_true" : $"y_true_{i}");

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
        w.Open($"private {_t} {_names.BackwardRows}({ROS} x, {ROS} y, int samples, {_t} scale, {RuntimeNames.GradientWrite}<{_t}> write)");
        w.Open("if (write.Overwrite)");
        w.Line($"{G}.Span.Clear();");
        w.Close();
        w.Line();
        w.Line($"{_t} sum = {Num(0)};");
        w.Open("for (int s = 0; s < samples; s++)");
        w.Line($"sum += {_names.BackwardBody}(x.Slice(s * InputSize, InputSize), y.Slice(s * OutputSize, OutputSize), scale);");
        w.Close();
        w.Line();
        w.Open("if (write.Step)");
        w.Line($"{RuntimeNames.Sgd}<{_t}>({P}.Span, {G}.Span, write.LearningRate);");
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
        w.Line($"global::System.Span<{_t}> {_g} = {G}.Span;");
        foreach (var node in _plan.Layers.Reverse())
        {
            cancellationToken.ThrowIfCancellationRequested();
            EmitBackward(w, node, parameterGradients: true);
        }

        w.Line();
        w.Line($"return {_loss};");
        w.Close();
        w.Line();

        string Span = $"global::System.Span<{_t}>";
        w.Open($"private {_t} {_names.InputGradientRows}({ROS} x, {ROS} y, int samples, {_t} scale, {Span} inputGradient)");
        w.Line($"{_t} sum = {Num(0)};");
        w.Open("for (int s = 0; s < samples; s++)");
        w.Line($"sum += {_names.InputGradientBody}(x.Slice(s * InputSize, InputSize), y.Slice(s * OutputSize, OutputSize), scale, inputGradient.Slice(s * InputSize, InputSize));");
        w.Close();
        w.Line();
        w.Line("return sum;");
        w.Close();
        w.Line();

        w.Line("// One sample, forward then backward by the chain rule down to x; writes dL/dx into dx_in and");
        w.Line("// returns this sample's summed loss. No parameter's gradient is taken.");
        w.Open($"private {_t} {_names.InputGradientBody}({ROS} {_xIn}, {ROS} {_yIn}, {_t} {_scale}, {Span} {_dx})");
        EmitParameters(w);
        EmitForwardEquations(w, cancellationToken);
        EmitLoss(w);
        EmitLossGradient(w);
        foreach (var node in _plan.Layers.Reverse())
        {
            cancellationToken.ThrowIfCancellationRequested();
            EmitBackward(w, node, parameterGradients: false);
        }

        w.Line();
        EmitInputDeltas(w, _plan.Input);
        for (int i = 0; i < _plan.Input.Width; i++)
        {
            w.Line($"{_dx}[{i}] = {DH(_plan.Input, i)};");
        }

        w.Line();
        w.Line($"return {_loss};");
        w.Close();
    }

    private void EmitParameters(SourceWriter w)
    {
        w.Line($"global::System.ReadOnlySpan<{_t}> {_p} = {_names.ParametersField}.Span;");
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
            var dense = node.Main!;
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

            w.Line($"// {node.Name} = {ForwardComment(node)}");
            for (int r = 0; r < node.Width; r++)
            {
                w.Line($"{_t} {Unit(node, r)} = {Activate(node, Z(node, r))};");
            }
        }
    }

    private IEnumerable<string> Product(Block matrix, int row, Node from) =>
        Enumerable.Range(0, from.Width).Select(c => $"{Entry(matrix, row, c)} * {Unit(from, c)}");

    private string Activate(Node node, string z) => Rule(node).Forward(_code, z, node.Alpha);

    private string ForwardComment(Node node) => Rule(node).ForwardComment(node.Name, Num(node.Alpha));

    /// <summary>The sample's summed loss into loss_, as the loss's rule writes it.</summary>
    private void EmitLoss(SourceWriter w)
    {
        var output = _plan.Output;
        w.Line();
        for (int i = 0; i < output.Width; i++)
        {
            w.Line($"{_t} {Target(output, i)} = {_yIn}[{i}];");
        }

        LossRule.Of(_plan.Model.Loss, _names.Function(_plan.Model.LossFunction)).EmitLoss(new LossSite(this, w), _plan.Model.HuberDelta);
    }

    /// <summary>dL/dŷ for each output, with the 1/divisor of the mean.</summary>
    private void EmitLossGradient(SourceWriter w) =>
        LossRule.Of(_plan.Model.Loss, _names.Function(_plan.Model.LossFunction)).EmitGradient(new LossSite(this, w), _plan.Model.HuberDelta);

    /// <summary>The output row's names for the loss's rule.</summary>
    private sealed class LossSite(UnrolledEmitter e, SourceWriter w) : ILossSite
    {
        private Node Output => e._plan.Output;

        public Code Code => e._code;

        public string T => e._t;

        public int Outputs => Output.Width;

        public string OutputName => Output.Name;

        public (string Yhat, string Target) Generic => Output.Width == 1 ? (Output.Name, "y_true") : ($"{Output.Name}_i", "y_true_i");

        public string UnitName(int i) => UnrolledEmitter.UnitName(Output, i);

        public string Prediction(int i) => e.Unit(Output, i);

        public string Target(int i) => e.Target(Output, i);

        public string Gradient(int i) => e.DH(Output, i);

        public string Temp(string preferred) => e.L(preferred);

        public string Loss => e._loss;

        public string Scale => e._scale;

        public void Line(string line) => w.Line(line);
    }

    /// <summary>The layer's dL/dh (unless it is the output), dL/dz and, when <paramref name="parameterGradients"/>, the gradients of the blocks its edges read.</summary>
    private void EmitBackward(SourceWriter w, Node node, bool parameterGradients)
    {
        w.Line();
        if (node != _plan.Output)
        {
            EmitInputDeltas(w, node);
        }

        w.Line($"// dL/dz_{node.Name} = dL/d{node.Name}{DerivativeComment(node)}");
        for (int i = 0; i < node.Width; i++)
        {
            w.Line($"{_t} {DZ(node, i)} = {Derivative(node, i)};");
        }

        if (!parameterGradients)
        {
            return;
        }

        foreach (var edge in new[] { node.Main! }.Concat(node.Skips).Where(e => e.Matrix is not null))
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

            if (edge == node.Main)
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

    /// <summary>dL/dh of a node (x too) = Σ over every edge that reads h: the next layer's W, and each skip from here.</summary>
    private void EmitInputDeltas(SourceWriter w, Node node)
    {
        var paths = node.Readers.Select(e =>
            e.Matrix is null ? $"dL/dz_{e.To.Name}"
            : e.Matrix.Length == 1 ? $"dL/dz_{e.To.Name}·{e.Matrix.MathName}"
            : $"{e.Matrix.MathName}ᵀ·dL/dz_{e.To.Name}");
        string via = node.Readers.Count > 1
            ? $"   ({node.Readers.Count} paths: {string.Join(", ", node.Readers.Select(e => e.IsSkip ? $"skip {Vec(node)}->{e.To.Name}" : $"through {e.To.Name}"))})"
            : "";
        w.Line($"// dL/d{Vec(node)} = {string.Join(" + ", paths)}{via}");
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

    private string DerivativeComment(Node node) => Rule(node).DerivativeComment(node.Name, Num(node.Alpha));

    private string Derivative(Node node, int i) =>
        Rule(node).Backward(_code, DH(node, i), Z(node, i), Unit(node, i), node.Alpha);
}
