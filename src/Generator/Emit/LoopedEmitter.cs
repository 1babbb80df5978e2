using System.Linq;
using System.Threading;
using SkipNet.Generator.Model;

namespace SkipNet.Generator.Emit;

/// <summary>
/// Code for wide networks: per layer a buffer for z, h and δ (dL/dh, turned into dL/dz in place),
/// and one kernel call per matrix or vector operation. The file grows with the number of layers,
/// not with their widths.
/// </summary>
internal sealed class LoopedEmitter : IBodyEmitter
{
    private readonly NetworkPlan _plan;
    private readonly string _t;

    public LoopedEmitter(NetworkPlan plan)
    {
        _plan = plan;
        _t = plan.T;
    }

    private static bool HasZ(Node n) => n.Activation != Activation.Identity;

    /// <summary>The buffer holding the node's activation: x_in, _h_name, or for Identity layers its z.</summary>
    private static string H(Node n) => n.IsInput ? "x_in" : $"_h_{n.Name}";

    private static string Z(Node n) => HasZ(n) ? $"_z_{n.Name}" : H(n);

    private static string Delta(Node n) => $"_d_{n.Name}";

    private string Kernel(string name) => $"global::SkipNet.Kernels.{name}<{_t}>";

    private string Gradient(Block b) => $"new global::System.Span<{_t}>(_gradients, {b.Offset}, {b.Length})";

    public void EmitFields(SourceWriter w)
    {
        foreach (var node in _plan.Layers)
        {
            string size = Literals.Int(node.Width);
            if (HasZ(node))
            {
                w.Line($"private readonly {_t}[] _z_{node.Name} = new {_t}[{size}];");
            }

            w.Line($"private readonly {_t}[] _h_{node.Name} = new {_t}[{size}];");
            w.Line($"private readonly {_t}[] _d_{node.Name} = new {_t}[{size}];");
        }
    }

    public void EmitForwardSample(SourceWriter w, CancellationToken cancellationToken)
    {
        w.Line("// One sample, forward: every layer's z and h into its buffers, in declaration order.");
        w.Open($"private void ForwardSample(global::System.ReadOnlySpan<{_t}> x_in, global::System.Span<{_t}> y_out)");
        EmitForward(w, cancellationToken);
        w.Line($"global::System.MemoryExtensions.CopyTo({H(_plan.Output)}, y_out);");
        w.Close();
    }

    public void EmitBackwardSample(SourceWriter w, CancellationToken cancellationToken)
    {
        var output = _plan.Output;
        w.Line("// One sample, forward then backward by the chain rule; adds dL/dp into the gradients and");
        w.Line("// returns this sample's summed loss. scale_ = 1/N, N = batch size × OutputSize.");
        w.Open($"private {_t} BackwardSample(global::System.ReadOnlySpan<{_t}> x_in, global::System.ReadOnlySpan<{_t}> y_in, {_t} scale_)");
        EmitForward(w, cancellationToken);
        w.Line($"// {_plan.Model.Loss} loss, ŷ = {output.Name}; δ_{output.Name} = dL/dŷ");
        w.Line($"{_t} loss_ = global::SkipNet.Losses.{_plan.Model.Loss}<{_t}>({H(output)}, y_in, scale_, {Delta(output)});");
        foreach (var node in _plan.Layers.Reverse())
        {
            cancellationToken.ThrowIfCancellationRequested();
            w.Line();
            if (node != output)
            {
                w.Line($"// δ_{node.Name} = dL/d{node.Name} = Σ over the {node.Readers.Count} edge(s) that read {node.Name}");
                w.Line($"global::System.Array.Clear({Delta(node)});");
                foreach (var edge in node.Readers)
                {
                    w.Line(edge.Matrix is null
                        ? $"{Kernel("Add")}({Delta(edge.To)}, {Delta(node)}); // += dL/dz_{edge.To.Name} (identity skip)"
                        : $"{Kernel("TransposeMultiplyAdd")}({edge.Matrix.Property}, {Delta(edge.To)}, {Delta(node)}); // += {edge.Matrix.Name}ᵀ·dL/dz_{edge.To.Name}");
                }
            }

            EmitActivationBackward(w, node);
            foreach (var edge in new[] { node.Dense! }.Concat(node.Skips).Where(e => e.Matrix is not null))
            {
                var m = edge.Matrix!;
                w.Line($"{Kernel("OuterAdd")}({Delta(node)}, {H(edge.From)}, {Gradient(m)}); // dL/d({m.Name}) += dL/dz_{node.Name}·{(edge.From.IsInput ? "x" : edge.From.Name)}ᵀ");
                if (edge == node.Dense)
                {
                    w.Line($"{Kernel("Add")}({Delta(node)}, {Gradient(node.Bias!)}); // dL/d({node.Bias!.Name}) += dL/dz_{node.Name}");
                }
            }
        }

        w.Line();
        w.Line("return loss_;");
        w.Close();
    }

    private void EmitForward(SourceWriter w, CancellationToken cancellationToken)
    {
        foreach (var node in _plan.Layers)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var dense = node.Dense!;
            var terms = new[] { $"{dense.Matrix!.Name}·{Name(dense.From)}", node.Bias!.Name }
                .Concat(node.Skips.Select(s => s.Matrix is null ? Name(s.From) : $"{s.Matrix.Name}·{Name(s.From)}"));
            w.Line($"// z_{node.Name} = {string.Join(" + ", terms)}");
            w.Line($"{node.Bias.Property}.CopyTo({Z(node)});");
            w.Line($"{Kernel("MultiplyAdd")}({dense.Matrix.Property}, {H(dense.From)}, {Z(node)});");
            foreach (var skip in node.Skips)
            {
                w.Line(skip.Matrix is null
                    ? $"{Kernel("Add")}({H(skip.From)}, {Z(node)});"
                    : $"{Kernel("MultiplyAdd")}({skip.Matrix.Property}, {H(skip.From)}, {Z(node)});");
            }

            if (HasZ(node))
            {
                w.Line($"// {node.Name} = {node.Activation}(z_{node.Name})");
                string alpha = node.Activation == Activation.LeakyReLU ? ", " + Literals.Number(node.Alpha, _plan.Model.Precision) : "";
                w.Line($"global::SkipNet.Activations.{node.Activation}<{_t}>({Z(node)}, {H(node)}{alpha});");
            }

            w.Line();
        }
    }

    private void EmitActivationBackward(SourceWriter w, Node node)
    {
        string call = node.Activation switch
        {
            Activation.ReLU => $"ReLUBackward<{_t}>({Z(node)}, {Delta(node)});",
            Activation.LeakyReLU => $"LeakyReLUBackward<{_t}>({Z(node)}, {Delta(node)}, {Literals.Number(node.Alpha, _plan.Model.Precision)});",
            Activation.Tanh => $"TanhBackward<{_t}>({H(node)}, {Delta(node)});",
            Activation.Sigmoid => $"SigmoidBackward<{_t}>({H(node)}, {Delta(node)});",
            _ => "",
        };
        w.Line(call.Length == 0
            ? $"// δ_{node.Name} = dL/dz_{node.Name} ({node.Name} is linear)"
            : $"global::SkipNet.Activations.{call} // δ_{node.Name} = dL/dz_{node.Name} = dL/d{node.Name}·{node.Activation}'(z_{node.Name})");
    }

    private static string Name(Node n) => n.IsInput ? "x" : n.Name;
}
