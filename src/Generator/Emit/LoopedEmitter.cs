using System;
using System.Linq;
using System.Threading;
using SkipNet.Generator.Model;

namespace SkipNet.Generator.Emit;

/// <summary>
/// Code for wide networks. Samples go through in chunks of up to <c>Chunk</c> rows: every layer
/// has a buffer of one row per sample for z, h and δ (dL/dh, turned into dL/dz in place), and each
/// layer is a few matrix–matrix kernel calls. The file grows with the number of layers, not with
/// their widths.
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

    /// <summary>Rows per chunk: up to 32 samples, fewer for very wide layers (about 64 K elements a buffer).</summary>
    public static int ChunkRows(NetworkPlan plan) =>
        Math.Max(1, Math.Min(32, 65536 / plan.Nodes.Max(n => n.Width)));

    private static bool HasZ(Node n) => n.Activation != Activation.Identity;

    /// <summary>The span holding the node's activation: x_in, or the layer's name (for Identity layers, its z).</summary>
    private static string H(Node n) => n.IsInput ? "x_in" : n.Name;

    private static string Z(Node n) => HasZ(n) ? $"z_{n.Name}" : H(n);

    private static string Delta(Node n) => $"d_{n.Name}";

    private string Kernel(string name) => $"global::SkipNet.Kernels.{name}<{_t}>";

    private string Gradient(Block b) => $"new global::System.Span<{_t}>(_gradients, {b.Offset}, {b.Length})";

    public void EmitFields(SourceWriter w)
    {
        w.Line($"private const int Chunk = {ChunkRows(_plan)}; // samples per pass through the kernels");
        foreach (var node in _plan.Layers)
        {
            string size = "Chunk * " + Literals.Int(node.Width);
            if (HasZ(node))
            {
                w.Line($"private readonly {_t}[] _z_{node.Name} = new {_t}[{size}];");
            }

            w.Line($"private readonly {_t}[] _h_{node.Name} = new {_t}[{size}];");
            w.Line($"private readonly {_t}[] _d_{node.Name} = new {_t}[{size}];");
        }
    }

    public void EmitForward(SourceWriter w, CancellationToken cancellationToken)
    {
        var output = _plan.Output;
        w.Open($"private void ForwardRows(global::System.ReadOnlySpan<{_t}> x, global::System.Span<{_t}> output, int samples)");
        w.Open("for (int start = 0; start < samples; start += Chunk)");
        w.Line("int rows = global::System.Math.Min(Chunk, samples - start);");
        w.Line("ForwardChunk(x.Slice(start * InputSize, rows * InputSize), rows);");
        w.Line($"new global::System.ReadOnlySpan<{_t}>(_h_{output.Name}, 0, rows * OutputSize).CopyTo(output.Slice(start * OutputSize, rows * OutputSize));");
        w.Close();
        w.Close();
        w.Line();
        w.Line("// n_rows samples at once, forward: every layer's z and h into its buffers (one row per sample).");
        w.Open($"private void ForwardChunk(global::System.ReadOnlySpan<{_t}> x_in, int n_rows)");
        EmitSpans(w, withDeltas: false);
        foreach (var node in _plan.Layers)
        {
            cancellationToken.ThrowIfCancellationRequested();
            w.Line();
            var dense = node.Dense!;
            var terms = new[] { $"{dense.Matrix!.Name}·{Name(dense.From)}", node.Bias!.Name }
                .Concat(node.Skips.Select(s => s.Matrix is null ? Name(s.From) : $"{s.Matrix.Name}·{Name(s.From)}"));
            w.Line($"// z_{node.Name} = {string.Join(" + ", terms)}   (for each sample)");
            w.Line($"{Kernel("BroadcastRows")}({node.Bias.Property}, {Z(node)});");
            w.Line($"{Kernel("MultiplyAdd")}({dense.Matrix.Property}, {H(dense.From)}, {Z(node)}, n_rows);");
            foreach (var skip in node.Skips)
            {
                w.Line(skip.Matrix is null
                    ? $"{Kernel("Add")}({H(skip.From)}, {Z(node)});"
                    : $"{Kernel("MultiplyAdd")}({skip.Matrix.Property}, {H(skip.From)}, {Z(node)}, n_rows);");
            }

            if (HasZ(node))
            {
                w.Line($"// {node.Name} = {node.Activation}(z_{node.Name})");
                string alpha = node.Activation == Activation.LeakyReLU ? ", " + Literals.Number(node.Alpha, _plan.Model.Precision) : "";
                w.Line($"global::SkipNet.Activations.{node.Activation}<{_t}>({Z(node)}, {H(node)}{alpha});");
            }
        }

        w.Close();
    }

    public void EmitBackward(SourceWriter w, CancellationToken cancellationToken)
    {
        var output = _plan.Output;
        string write = $"global::SkipNet.GradientWrite<{_t}>";
        w.Open($"private {_t} BackwardRows(global::System.ReadOnlySpan<{_t}> x, global::System.ReadOnlySpan<{_t}> y, int samples, {_t} scale, {write} write)");
        w.Line($"{_t} sum = {Literals.Number(0, _plan.Model.Precision)};");
        w.Open("for (int start = 0; start < samples; start += Chunk)");
        w.Line("int rows = global::System.Math.Min(Chunk, samples - start);");
        w.Line("var chunkWrite = write.ForChunk(first: start == 0, last: start + rows == samples);");
        w.Line("sum += BackwardChunk(x.Slice(start * InputSize, rows * InputSize), y.Slice(start * OutputSize, rows * OutputSize), rows, scale, chunkWrite);");
        w.Close();
        w.Line();
        w.Line("return sum;");
        w.Close();
        w.Line();
        w.Line("// n_rows samples at once, forward then backward by the chain rule; stores dL/dp as write_ says");
        w.Line("// (added by Backward; written, then stepped on, by TrainStep) and returns the summed loss.");
        w.Line("// scale_ = 1/N, N = batch size × OutputSize. Each matrix's gradient is taken right after the");
        w.Line("// matrix's last read (in δ of the node the edge starts from), so a step never changes a");
        w.Line("// weight that is still needed.");
        w.Open($"private {_t} BackwardChunk(global::System.ReadOnlySpan<{_t}> x_in, global::System.ReadOnlySpan<{_t}> y_in, int n_rows, {_t} scale_, {write} write_)");
        w.Line("ForwardChunk(x_in, n_rows);");
        EmitSpans(w, withDeltas: true);
        w.Line();
        w.Line($"// {_plan.Model.Loss} loss, ŷ = {output.Name}; δ_{output.Name} = dL/dŷ");
        w.Line($"{_t} loss_ = global::SkipNet.Losses.{_plan.Model.Loss}<{_t}>({H(output)}, y_in, scale_, {Delta(output)});");
        foreach (var node in _plan.Layers.Reverse())
        {
            cancellationToken.ThrowIfCancellationRequested();
            w.Line();
            if (node != output)
            {
                w.Line($"// δ_{node.Name} = dL/d{node.Name} = Σ over the {node.Readers.Count} edge(s) that read {node.Name}");
                w.Line($"{Delta(node)}.Clear();");
                foreach (var edge in node.Readers)
                {
                    w.Line(edge.Matrix is null
                        ? $"{Kernel("Add")}({Delta(edge.To)}, {Delta(node)}); // += dL/dz_{edge.To.Name} (identity skip)"
                        : $"{Kernel("TransposeMultiplyAdd")}({edge.Matrix.Property}, {Delta(edge.To)}, {Delta(node)}, n_rows); // += {edge.Matrix.Name}ᵀ·dL/dz_{edge.To.Name}");
                }

                EmitMatrixGradients(w, node);
            }

            EmitActivationBackward(w, node);
            w.Line($"{Kernel("BiasGradient")}({Delta(node)}, {Gradient(node.Bias!)}, {node.Bias!.Property}, write_); // dL/d({node.Bias.Name}) += Σ dL/dz_{node.Name}");
        }

        w.Line();
        w.Line("// x is not trained: only the gradients of the matrices that read it");
        EmitMatrixGradients(w, _plan.Input);
        w.Line();
        w.Line("return loss_;");
        w.Close();
    }

    /// <summary>dL/dM += Σ δ_to·fromᵀ for each matrix on an edge that reads <paramref name="from"/>: their last reads are behind.</summary>
    private void EmitMatrixGradients(SourceWriter w, Node from)
    {
        foreach (var edge in from.Readers.Where(e => e.Matrix is not null))
        {
            var m = edge.Matrix!;
            w.Line($"{Kernel("WeightGradient")}({Delta(edge.To)}, {H(from)}, {Gradient(m)}, {m.Property}, n_rows, write_); // dL/d({m.Name}) += Σ dL/dz_{edge.To.Name}·{Name(from)}ᵀ");
        }
    }

    /// <summary>Views of the first n_rows rows of the buffers (z and h; δ too for the backward pass).</summary>
    private void EmitSpans(SourceWriter w, bool withDeltas)
    {
        foreach (var node in _plan.Layers)
        {
            string rows = $"0, n_rows * {Literals.Int(node.Width)}";
            if (HasZ(node))
            {
                w.Line($"global::System.Span<{_t}> {Z(node)} = new(_z_{node.Name}, {rows});");
            }

            w.Line($"global::System.Span<{_t}> {H(node)} = new(_h_{node.Name}, {rows});");
            if (withDeltas)
            {
                w.Line($"global::System.Span<{_t}> {Delta(node)} = new(_d_{node.Name}, {rows});");
            }
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
