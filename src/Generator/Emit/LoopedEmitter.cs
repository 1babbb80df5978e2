using System;
using System.Linq;
using System.Threading;
using SkipNet.Generator.Layers;
using SkipNet.Generator.Model;

namespace SkipNet.Generator.Emit;

/// <summary>
/// Code for wide networks. Samples go through in chunks of up to <c>Chunk</c> rows: every layer
/// has a buffer of one row per sample for z, h and δ (dL/dh, turned into dL/dz in place), and each
/// layer is a few matrix–matrix kernel calls. The buffers belong to a workspace per thread (created
/// on a thread's first call), so calls from several threads never share one. The file grows with
/// the number of layers, not with their widths.
/// </summary>
internal sealed class LoopedEmitter : IBodyEmitter
{
    private readonly NetworkPlan _plan;
    private readonly NetworkNames _names;
    private readonly string _t;
    private readonly string _ws, _xIn, _yIn, _rows, _scale, _write, _loss, _train, _dx, _keepZ;

    public LoopedEmitter(NetworkPlan plan, NetworkNames names)
    {
        _plan = plan;
        _names = names;
        _t = plan.T;
        (_ws, _xIn, _yIn, _rows, _scale, _write, _loss, _train) = (F("ws"), F("x_in"), F("y_in"), F("n_rows"), F("scale_"), F("write_"), F("loss_"), F("train"));
        _dx = F("dx_in");
        _keepZ = F("keep_z");
        FusesActivations = plan.Layers.Any(n => NormalizedConvolution.Of(n) is { DropsZ: true });
    }

    // What a layer rule's code reads (Layers/*Rule.cs).

    /// <summary>The number of samples in the chunk.</summary>
    internal string Rows => _rows;

    /// <summary>How the gradient kernels store what they compute (GradientWrite).</summary>
    internal string Write => _write;

    /// <summary>Whether the pass is a training call's (true) or Forward's and Evaluate's (false).</summary>
    internal string Train => _train;

    /// <summary>
    /// Whether an eval-mode pass keeps z of a BatchNorm whose convolution, skip and ReLU run as one pass
    /// (InputGradient's does: ReLU's derivative at 0 is 1, so it needs z, not h). A parameter only of
    /// networks with such a pass (<see cref="FusesActivations"/>).
    /// </summary>
    internal string KeepZ => _keepZ;

    /// <summary>Whether some convolution, BatchNorm and activation run as one pass in eval mode, writing h and not z.</summary>
    internal bool FusesActivations { get; }

    /// <summary>The network's dropout generator, a field.</summary>
    internal string Random => _names.RandomField;

    /// <summary>The network's batch counts (BatchNorm's num_batches_tracked), a long[] field.</summary>
    internal string Counters => _names.CountersField;

    /// <summary>A span of the network's buffers (running statistics).</summary>
    internal string RunningBuffer(int offset, int length) => $"{_names.BuffersField}.Slice({offset}, {length})";

    internal string T => _t;

    internal Precision Precision => _plan.Model.Precision;

    /// <summary>A layer's workspace buffer besides z, h and δ (<see cref="Layers.LayerRule.Buffers"/>), as a span of the chunk's rows.</summary>
    internal string Buffer(Node n, string key) => L(key + "_" + n.Name);

    /// <summary>"rows * 16", "16" or "rows * 16 + 16": a layer buffer's length for that many rows.</summary>
    private static string BufferLength(string rows, int perSample, int fixedPart) =>
        fixedPart == 0 ? $"{rows} * {Literals.Int(perSample)}"
        : perSample == 0 ? Literals.Int(fixedPart)
        : $"{rows} * {Literals.Int(perSample)} + {Literals.Int(fixedPart)}";

    private string BufferField(Node n, string key) => _names.WorkspaceMember(key + "_" + n.Name);

    /// <summary>
    /// About how many multiply-adds one sample's forward pass costs: each layer's weights and weighted
    /// skips once per output position (a Dense layer has one), plus one per value the layer gives.
    /// </summary>
    public static long WorkPerSample(NetworkPlan plan)
    {
        long work = 0;
        foreach (var node in plan.Layers)
        {
            long positions = node.Shape.Image is { } image ? (long)image.Height * image.Width : 1;
            long matrices = (node.Main?.Matrix?.Length ?? 0) + node.Skips.Sum(e => (long)(e.Matrix?.Length ?? 0));
            if (node.Main?.Matrix is null && node.Weights is { } weights && weights.Length != node.Width)
            {
                matrices += weights.Length;
            }

            work += matrices * positions + node.Width;
        }

        return work;
    }

    /// <summary>Rows per chunk: up to 32 samples, fewer for very wide layers (about 64 K elements a buffer).</summary>
    public static int ChunkRows(NetworkPlan plan) =>
        Math.Max(1, Math.Min(32, 65536 / plan.Nodes.Max(n => n.Width)));

    private string L(string preferred) => _names.Local(preferred);

    /// <summary>What the layer's activation computes: its [Differentiable] function's rule, or its built-in activation's.</summary>
    internal ActivationRule Rule(Node n) => ActivationRule.Of(n.Activation, _names.Function(n.Layer?.Function));

    private string F(string preferred) => _names.FixedLocal(preferred);

    private bool HasZ(Node n) => Rule(n).HasZ;

    /// <summary>The span holding the node's activation: x_in, or the layer's name (for Identity layers, its z).</summary>
    internal string H(Node n) => n.IsInput ? _xIn : L(n.Name);

    internal string Z(Node n) => HasZ(n) ? L("z_" + n.Name) : H(n);

    internal string Delta(Node n) => L("d_" + n.Name);

    /// <summary>The workspace fields behind a layer's z, h and δ.</summary>
    private string ZField(Node n) => _names.WorkspaceMember("z_" + n.Name);

    private string HField(Node n) => _names.WorkspaceMember("h_" + n.Name);

    private string DeltaField(Node n) => _names.WorkspaceMember("d_" + n.Name);

    /// <summary>What the loss kernel takes after (prediction, target): the number of classes, Huber's δ, or nothing.</summary>
    /// <summary>The network's [Differentiable] loss, or null for a built-in one.</summary>
    private FunctionNames? LossFunction => _names.Function(_plan.Model.LossFunction);

    /// <summary>What sums the loss of a chunk: the generated method of the user's loss, or the built-in loss's kernel.</summary>
    private string LossKernel => LossFunction?.Apply ?? $"{RuntimeNames.Loss(_plan.Model.Loss)}<{_t}>";

    private string LossArguments => LossRule.Of(_plan.Model.Loss, _names.Function(_plan.Model.LossFunction)).KernelArguments(_plan.Model.HuberDelta, new Code(_plan.Model.Precision));

    internal string Kernel(string name) => $"{RuntimeNames.Kernel(name)}<{_t}>";

    internal string LayerKernel(string name) => $"{RuntimeNames.LayerKernel(name)}<{_t}>";

    internal string ImageKernel(string name) => $"{RuntimeNames.ImageKernel(name)}<{_t}>";

    /// <summary>An empty span: "no δ wanted" for a kernel.</summary>
    internal string Empty => $"global::System.Span<{_t}>.Empty";

    /// <summary>"C, H, W, k, s" (and ", p" unless <paramref name="padding"/> is null): the image kernels' geometry arguments for an input.</summary>
    internal static string Geometry(Shape input, int kernel, int stride, int? padding)
    {
        var image = input.Image ?? new ImageShape(input.Size, 1, 1);
        return $"{image.Channels}, {image.Height}, {image.Width}, {kernel}, {stride}" + (padding is { } p ? $", {p}" : "");
    }

    internal string Gradient(Block b) => $"{_names.GradientsField}.Slice({b.Offset}, {b.Length})";

    public void Emit(SourceWriter w, CancellationToken cancellationToken)
    {
        EmitWorkspace(w);
        w.Line();
        EmitRows(w);
        w.Line();
        EmitForwardChunk(w, cancellationToken);
        w.Line();
        EmitBackwardChunk(w, cancellationToken);
        w.Line();
        EmitInputGradientChunk(w, cancellationToken);
    }

    private void EmitWorkspace(SourceWriter w)
    {
        int chunk = ChunkRows(_plan);
        string type = _names.WorkspaceType;
        w.Line($"private const int {_names.Chunk} = {chunk}; // samples per pass through the kernels");
        w.Line();
        w.Line("// Each thread computes in a workspace of its own, made on its first call and kept for the next.");
        w.Line("[global::System.ThreadStatic]");
        w.Line($"private static {type}? {_names.WorkspaceField};");
        w.Line();
        w.Line("/// <summary>One thread's buffers: z, h and δ of every layer for up to Rows samples, one row each, each starting on a cache line.</summary>");
        w.Open($"private sealed class {type}");
        var fields = new System.Collections.Generic.List<(string Field, string Size)>();
        foreach (var node in _plan.Layers)
        {
            string size = $"rows * {Literals.Int(node.Width)}";
            if (HasZ(node))
            {
                fields.Add((ZField(node), size));
            }

            fields.Add((HField(node), size));
            fields.Add((DeltaField(node), size));
            foreach (var (key, perSample, fixedPart) in node.Rule.Buffers(node))
            {
                fields.Add((BufferField(node, key), BufferLength("rows", perSample, fixedPart)));
            }
        }

        w.Line("public readonly int Rows;");
        foreach (var (field, _) in fields)
        {
            w.Line($"public readonly {RuntimeNames.AlignedArray}<{_t}> {field};");
        }

        w.Line();
        w.Open($"public {type}(int rows)");
        w.Line("Rows = rows;");
        foreach (var (field, size) in fields)
        {
            w.Line($"{field} = new({size});");
        }

        w.Close();
        w.Close();
    }

    private void EmitRows(SourceWriter w)
    {
        var output = _plan.Output;
        string ROS = $"global::System.ReadOnlySpan<{_t}>";
        string ws = $"{_names.WorkspaceType} ws = {_names.WorkspaceField} ??= new {_names.WorkspaceType}({_names.Chunk});";
        void Chunks()
        {
            w.Open($"for (int start = 0; start < samples; start += {_names.Chunk})");
            w.Line($"int rows = global::System.Math.Min({_names.Chunk}, samples - start);");
        }

        string outputRows = $"ws.{HField(output)}.Slice(0, rows * OutputSize)";

        // Inference over several chunks splits the batch into runs of whole chunks, one per thread.
        string delegateType = $"{RuntimeNames.RowsForward}<{_t}>";
        w.Line("// A batch of several chunks runs as runs of whole chunks, one per thread, each through every layer alone: the same numbers as one thread's loop.");
        w.Line($"private void {_names.ForwardRows}({ROS} x, global::System.Span<{_t}> output, int samples) =>");
        w.Line($"    {RuntimeNames.ChunkedRowsForward}<{_t}>(this, {_names.ForwardChunksDelegate}, x, output, samples, InputSize, OutputSize, {_names.Chunk}, {Literals.Long(WorkPerSample(_plan))});");
        w.Line();
        w.Line($"private static readonly {delegateType} {_names.ForwardChunksDelegate} = static (network, x, output, samples) => (({_names.Type})network).{_names.ForwardChunks}(x, output, samples);");
        w.Line();
        w.Open($"private void {_names.ForwardChunks}({ROS} x, global::System.Span<{_t}> output, int samples)");
        w.Line(ws);
        Chunks();
        w.Line($"{_names.ForwardBody}(ws, x.Slice(start * InputSize, rows * InputSize), rows{Mode("false")});");
        w.Line($"{outputRows}.CopyTo(output.Slice(start * OutputSize, rows * OutputSize));");
        w.Close();
        w.Close();
        w.Line();

        w.Open($"private {_t} {_names.EvaluateRows}({ROS} x, {ROS} y, int samples)");
        w.Line(ws);
        w.Line($"{_t} sum = {Literals.Number(0, _plan.Model.Precision)};");
        Chunks();
        w.Line($"{_names.ForwardBody}(ws, x.Slice(start * InputSize, rows * InputSize), rows{Mode("false")});");
        w.Line($"sum += {LossKernel}({outputRows}, y.Slice(start * OutputSize, rows * OutputSize){LossArguments});");
        w.Close();
        w.Line();
        w.Line("return sum;");
        w.Close();
        w.Line();

        string write = $"{RuntimeNames.GradientWrite}<{_t}>";
        w.Open($"private {_t} {_names.BackwardRows}({ROS} x, {ROS} y, int samples, {_t} scale, {write} write)");
        if (_plan.Layers.FirstOrDefault(n => n.Rule.WholeBatch) is { } whole)
        {
            // Batch statistics are the whole batch's: one pass, in a workspace grown to the batch.
            w.Line($"// {whole.Name}'s statistics are the whole batch's: one pass over all the samples, in a workspace grown to hold them.");
            w.Line($"{_names.WorkspaceType}? ws = {_names.WorkspaceField};");
            w.Open("if (ws is null || ws.Rows < samples)");
            w.Line($"ws = {_names.WorkspaceField} = new {_names.WorkspaceType}(global::System.Math.Max({_names.Chunk}, samples));");
            w.Close();
            w.Line();
            w.Line($"return {_names.BackwardBody}(ws, x, y, samples, scale, write);");
            w.Close();
            return;
        }

        w.Line(ws);
        w.Line($"{_t} sum = {Literals.Number(0, _plan.Model.Precision)};");
        Chunks();
        w.Line($"{write} chunkWrite = write.ForChunk(first: start == 0, last: start + rows == samples);");
        w.Line($"sum += {_names.BackwardBody}(ws, x.Slice(start * InputSize, rows * InputSize), y.Slice(start * OutputSize, rows * OutputSize), rows, scale, chunkWrite);");
        w.Close();
        w.Line();
        w.Line("return sum;");
        w.Close();
    }

    private const string NoInlining = "[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]";

    private void EmitForwardChunk(SourceWriter w, CancellationToken cancellationToken)
    {
        w.Line("// n_rows samples at once, forward: every layer's z and h into the workspace (one row per sample).");
        w.Line("// The chunk methods are compiled on their own: inlined into a loop over chunks, they would spend");
        w.Line("// that small method's inlining budget, and the kernels' small helpers would stay calls.");
        w.Line(NoInlining);
        string mode = (_plan.HasTrainMode ? $", bool {_train}" : "") + (FusesActivations ? $", bool {_keepZ}" : "");
        w.Open($"private void {_names.ForwardBody}({_names.WorkspaceType} {_ws}, global::System.ReadOnlySpan<{_t}> {_xIn}, int {_rows}{mode})");
        EmitSpans(w, withDeltas: false);
        Node? fusedInto = null;
        foreach (var node in _plan.Layers)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (node == fusedInto)
            {
                continue;
            }

            w.Line();
            EmitEquation(w, node);
            if (NormalizedConvolution.Of(node) is { } fused)
            {
                fused.Emit(this, w);
                fusedInto = fused.Normalization;
                continue;
            }

            node.Rule.EmitForward(this, w, node);
            EmitSkipsAndActivation(w, node);
        }

        w.Close();
    }

    /// <summary>"// z_h1 = h1.W·h0 + h1.b + h0   (for each sample)".</summary>
    internal void EmitEquation(SourceWriter w, Node node)
    {
        string own = node.Rule.Equation(node, Name(node.Main!.From));
        var terms = new[] { node.Skips.Count == 0 || !own.Contains(", ") ? own : $"({own})" }.Concat(node.Skips.Select(SkipTerm));
        w.Line($"// z_{node.Name} = {string.Join(" + ", terms)}   (for each sample)");
    }

    /// <summary>z += each skip's term, then h = f(z).</summary>
    internal void EmitSkipsAndActivation(SourceWriter w, Node node, bool comment = true)
    {
        foreach (var skip in node.Skips)
        {
            w.Line(skip.Matrix is null ? $"{Kernel("Add")}({H(skip.From)}, {Z(node)});"
                : skip.IsConvolution ? $"{ImageKernel("Conv2DForward")}({Parameters(skip.Matrix)}, {Empty}, {H(skip.From)}, {Z(node)}, {_rows}, {Geometry(skip.From.Shape, 1, skip.Stride, 0)}, accumulate: true);"
                : $"{Kernel("MultiplyAdd")}({Parameters(skip.Matrix)}, {H(skip.From)}, {Z(node)}, {_rows});");
        }

        if (comment)
        {
            EmitActivationComment(w, node);
        }

        var rule = Rule(node);
        if (rule.HasZ)
        {
            w.Line(rule.Function is { } f
                ? $"{f.Apply}({Z(node)}, {H(node)});"
                : $"{RuntimeNames.Activation(node.Activation)}<{_t}>({Z(node)}, {H(node)}{Alpha(node)});");
        }
    }

    /// <summary>"// h1 = GELU(z_h1) = …", unless the layer is linear.</summary>
    internal void EmitActivationComment(SourceWriter w, Node node)
    {
        var rule = Rule(node);
        if (rule.HasZ)
        {
            w.Line($"// {node.Name} = {rule.ForwardComment(node.Name, Literals.Number(node.Alpha, _plan.Model.Precision))}");
        }
    }

    /// <summary>A skip's term in z: "h0", "S·h0", or "S ⋆ h0" (a 1×1 convolution, with its stride).</summary>
    private static string SkipTerm(Edge skip) =>
        skip.Matrix is null ? Name(skip.From)
        : skip.IsConvolution ? $"{skip.Matrix.Name} ⋆ {Name(skip.From)} (1×1, stride {skip.Stride})"
        : $"{skip.Matrix.Name}·{Name(skip.From)}";

    /// <summary>", false" after a forward call's arguments when the network has a training mode, then ", false" (or <paramref name="keepZ"/>) when it has a pass that may keep z (<see cref="FusesActivations"/>).</summary>
    private string Mode(string train, string keepZ = "false") => (_plan.HasTrainMode ? ", " + train : "") + (FusesActivations ? ", " + keepZ : "");

    /// <summary>A block of the parameters, through its public accessor (H1Weights): no local can hide it, since locals avoid every member name.</summary>
    internal string Parameters(Block b) => b.Property;

    private void EmitBackwardChunk(SourceWriter w, CancellationToken cancellationToken)
    {
        string write = $"{RuntimeNames.GradientWrite}<{_t}>";
        w.Line("// n_rows samples at once, forward then backward by the chain rule; stores dL/dp as write_ says");
        w.Line("// (added by Backward; written, then stepped on, by TrainStep) and returns the summed loss.");
        w.Line("// scale_ = 1/N, N = batch size × OutputSize. Each matrix's gradient is taken in the call that");
        w.Line("// reads the matrix last (DenseBackward: δ of the node the edge starts from, then the gradient),");
        w.Line("// so a step never changes a weight that is still needed.");
        w.Line(NoInlining);
        w.Open($"private {_t} {_names.BackwardBody}({_names.WorkspaceType} {_ws}, global::System.ReadOnlySpan<{_t}> {_xIn}, global::System.ReadOnlySpan<{_t}> {_yIn}, int {_rows}, {_t} {_scale}, {write} {_write})");
        w.Line($"{_names.ForwardBody}({_ws}, {_xIn}, {_rows}{Mode("true")});");
        EmitSpans(w, withDeltas: true);
        // The last read of each edge's parameters is its backward pass: their gradients (and step) follow in the same call.
        EmitDeltas(w, EmitEdgeBackward, cancellationToken, node =>
        {
            if (node.Bias is { } bias)
            {
                w.Line(bias.Rows == node.Width
                    ? $"{Kernel("BiasGradient")}({Delta(node)}, {Gradient(bias)}, {Parameters(bias)}, {_write}); // dL/d({bias.Name}) += Σ dL/dz_{node.Name}"
                    : $"{ImageKernel("ChannelBiasGradient")}({Delta(node)}, {Gradient(bias)}, {Parameters(bias)}, {_rows}, {node.Width / bias.Rows}, {_write}); // dL/d({bias.Name}) += Σ dL/dz_{node.Name} over each channel");
            }
        });

        w.Line();
        w.Line("// x is not trained: only the gradients of the matrices that read it");
        EmitMatrixGradients(w, _plan.Input);
        w.Line();
        w.Line($"return {_loss};");
        w.Close();
    }

    /// <summary>
    /// The loss and δ of the output, then, from the output back, each layer's δ: gathered over the edges
    /// that read it (each edge's backward pass by <paramref name="edgeBackward"/>), then through its
    /// activation; <paramref name="after"/> writes what follows for the layer.
    /// </summary>
    private void EmitDeltas(SourceWriter w, Action<SourceWriter, Edge, string> edgeBackward, CancellationToken cancellationToken, Action<Node>? after)
    {
        var output = _plan.Output;
        w.Line();
        w.Line($"// {LossFunction?.Name ?? _plan.Model.Loss.ToString()} loss, ŷ = {output.Name}; δ_{output.Name} = dL/dŷ");
        w.Line($"{_t} {_loss} = {(LossFunction is { } f ? f.Differentiate : LossKernel)}({H(output)}, {_yIn}{LossArguments}, {_scale}, {Delta(output)});");
        foreach (var node in _plan.Layers.Reverse())
        {
            cancellationToken.ThrowIfCancellationRequested();
            w.Line();
            if (node != output)
            {
                w.Line($"// δ_{node.Name} = dL/d{node.Name} = Σ over the {node.Readers.Count} edge(s) that read {node.Name}");
                EmitGather(w, node, Delta(node), edge => edgeBackward(w, edge, Delta(node)));
            }

            EmitActivationBackward(w, node);
            after?.Invoke(node);
        }
    }

    /// <summary>
    /// <paramref name="target"/> = Σ over the edges that read <paramref name="node"/>: identity skips
    /// first, the first one's δ copied in (which costs less than clearing and adding it), then each other
    /// edge's backward pass, adding into the target.
    /// </summary>
    private void EmitGather(SourceWriter w, Node node, string target, Action<Edge> edgeBackward)
    {
        bool started = false;
        foreach (var edge in node.Readers.OrderBy(e => e.IsSkip && e.Matrix is null ? 0 : 1))
        {
            if (edge.IsSkip && edge.Matrix is null)
            {
                w.Line(started
                    ? $"{Kernel("Add")}({Delta(edge.To)}, {target}); // += dL/dz_{edge.To.Name} (identity skip)"
                    : $"{Delta(edge.To)}.CopyTo({target}); // = dL/dz_{edge.To.Name} (identity skip)");
                started = true;
                continue;
            }

            if (!started)
            {
                w.Line($"{target}.Clear();");
                started = true;
            }

            edgeBackward(edge);
        }

        if (!started)
        {
            w.Line($"{target}.Clear();");
        }
    }

    /// <summary>
    /// InputGradient's chunk: Forward's pass (eval mode), the loss and δ of the output, then back through
    /// every edge to x by the kernels that add only dL/dh (no parameter is read for its gradient or written).
    /// </summary>
    private void EmitInputGradientChunk(SourceWriter w, CancellationToken cancellationToken)
    {
        string ROS = $"global::System.ReadOnlySpan<{_t}>", Span = $"global::System.Span<{_t}>";
        w.Open($"private {_t} {_names.InputGradientRows}({ROS} x, {ROS} y, int samples, {_t} scale, {Span} inputGradient)");
        w.Line($"{_names.WorkspaceType} ws = {_names.WorkspaceField} ??= new {_names.WorkspaceType}({_names.Chunk});");
        w.Line($"{_t} sum = {Literals.Number(0, _plan.Model.Precision)};");
        w.Open($"for (int start = 0; start < samples; start += {_names.Chunk})");
        w.Line($"int rows = global::System.Math.Min({_names.Chunk}, samples - start);");
        w.Line($"sum += {_names.InputGradientBody}(ws, x.Slice(start * InputSize, rows * InputSize), y.Slice(start * OutputSize, rows * OutputSize), rows, scale, inputGradient.Slice(start * InputSize, rows * InputSize));");
        w.Close();
        w.Line();
        w.Line("return sum;");
        w.Close();
        w.Line();

        w.Line("// n_rows samples at once, forward in eval mode, then backward by the chain rule down to x: writes");
        w.Line("// dL/dx into dx_in and returns the summed loss. No parameter's gradient is taken; the parameters,");
        w.Line("// the gradients and the running statistics are only read.");
        w.Line(NoInlining);
        w.Open($"private {_t} {_names.InputGradientBody}({_names.WorkspaceType} {_ws}, {ROS} {_xIn}, {ROS} {_yIn}, int {_rows}, {_t} {_scale}, {Span} {_dx})");
        w.Line($"{_names.ForwardBody}({_ws}, {_xIn}, {_rows}{Mode("false", keepZ: "true")});{(FusesActivations ? " // eval mode, keeping every z a derivative reads" : "")}");
        EmitSpans(w, withDeltas: true);
        EmitDeltas(w, EmitEdgeInputBackward, cancellationToken, after: null);

        w.Line();
        w.Line($"// dL/dx = Σ over the {_plan.Input.Readers.Count} edge(s) that read x");
        EmitGather(w, _plan.Input, _dx, edge => EmitEdgeInputBackward(w, edge, _dx));
        w.Line();
        w.Line($"return {_loss};");
        w.Close();
    }

    /// <summary>InputGradient's backward pass through one edge into <paramref name="inputDelta"/>: a weighted skip's here, a layer's own by its rule.</summary>
    private void EmitEdgeInputBackward(SourceWriter w, Edge edge, string inputDelta)
    {
        if (edge.IsSkip)
        {
            EmitMatrixInputBackward(w, edge, inputDelta);
        }
        else
        {
            edge.To.Rule.EmitInputBackward(this, w, edge, inputDelta);
        }
    }

    /// <summary>inputDelta += Mᵀ·δ through an edge's matrix: a dense product, or a weighted skip's 1×1 convolution.</summary>
    internal void EmitMatrixInputBackward(SourceWriter w, Edge edge, string inputDelta)
    {
        var m = edge.Matrix!;
        string to = edge.To.Name;
        w.Line(edge.IsConvolution
            ? $"{ImageKernel("Conv2DInputBackward")}({Parameters(m)}, {Delta(edge.To)}, {inputDelta}, {_rows}, {Geometry(edge.From.Shape, 1, edge.Stride, 0)}); // += {m.Name}ᵀ ⋆ dL/dz_{to}"
            : $"{Kernel("TransposeMultiplyAdd")}({Parameters(m)}, {Delta(edge.To)}, {inputDelta}, {_rows}); // += {m.Name}ᵀ·dL/dz_{to}");
    }

    /// <summary>The gradients of the parameters on the edges that read the input (no δ of x is needed): their last reads are behind.</summary>
    private void EmitMatrixGradients(SourceWriter w, Node from)
    {
        foreach (var edge in from.Readers.Where(e => !(e.IsSkip && e.Matrix is null)))
        {
            EmitEdgeBackward(w, edge, inputDelta: null);
        }
    }

    /// <summary>The backward pass through one edge into <paramref name="inputDelta"/> (null: x's, not needed): a weighted skip's here, a layer's own by its rule.</summary>
    private void EmitEdgeBackward(SourceWriter w, Edge edge, string? inputDelta)
    {
        if (!edge.IsSkip)
        {
            edge.To.Rule.EmitBackward(this, w, edge, inputDelta);
            return;
        }

        var m = edge.Matrix!;
        string to = edge.To.Name, from = Name(edge.From);
        if (edge.IsConvolution)
        {
            w.Line($"{ImageKernel("Conv2DBackward")}({Parameters(m)}, {Delta(edge.To)}, {H(edge.From)}, {inputDelta ?? Empty}, {Gradient(m)}, {_rows}, {Geometry(edge.From.Shape, 1, edge.Stride, 0)}, {_write}); // "
                + (inputDelta is null ? "" : $"+= {m.Name}ᵀ ⋆ dL/dz_{to}; ") + $"dL/d({m.Name}) += Σ dL/dz_{to} ⋆ {from}");
            return;
        }

        w.Line(inputDelta is null
            ? $"{Kernel("WeightGradient")}({Delta(edge.To)}, {H(edge.From)}, {Gradient(m)}, {Parameters(m)}, {_rows}, {_write}); // dL/d({m.Name}) += Σ dL/dz_{to}·{from}ᵀ"
            : $"{Kernel("DenseBackward")}({Parameters(m)}, {Delta(edge.To)}, {H(edge.From)}, {inputDelta}, {Gradient(m)}, {_rows}, {_write}); // += {m.Name}ᵀ·dL/dz_{to}; dL/d({m.Name}) += Σ dL/dz_{to}·{from}ᵀ");
    }

    /// <summary>Views of the first n_rows rows of the workspace's buffers (z and h; δ too for the backward pass).</summary>
    private void EmitSpans(SourceWriter w, bool withDeltas)
    {
        foreach (var node in _plan.Layers)
        {
            string rows = $"0, {_rows} * {Literals.Int(node.Width)}";
            if (HasZ(node))
            {
                w.Line($"global::System.Span<{_t}> {Z(node)} = {_ws}.{ZField(node)}.Slice({rows});");
            }

            w.Line($"global::System.Span<{_t}> {H(node)} = {_ws}.{HField(node)}.Slice({rows});");
            if (withDeltas)
            {
                w.Line($"global::System.Span<{_t}> {Delta(node)} = {_ws}.{DeltaField(node)}.Slice({rows});");
            }

            foreach (var (key, perSample, fixedPart) in node.Rule.Buffers(node))
            {
                w.Line($"global::System.Span<{_t}> {Buffer(node, key)} = {_ws}.{BufferField(node, key)}.Slice(0, {BufferLength(_rows, perSample, fixedPart)});");
            }
        }
    }

    private void EmitActivationBackward(SourceWriter w, Node node)
    {
        var rule = Rule(node);
        string? operand = rule.DerivativeReads switch
        {
            DerivativeOperand.None => null,
            DerivativeOperand.Z => Z(node),
            DerivativeOperand.H => H(node),
            _ => throw new InvalidOperationException("Unknown operand " + rule.DerivativeReads),
        };
        w.Line(operand is null
            ? $"// δ_{node.Name} = dL/dz_{node.Name} ({node.Name} is linear)"
            : rule.Function is { } f
            ? $"{f.Differentiate}({operand}, {Delta(node)}); // δ_{node.Name} = dL/dz_{node.Name} = dL/d{node.Name}·{f.Name}′(z_{node.Name})"
            : $"{RuntimeNames.ActivationBackward(node.Activation)}<{_t}>({operand}, {Delta(node)}{Alpha(node)}); // δ_{node.Name} = dL/dz_{node.Name} = dL/d{node.Name}·{node.Activation}'(z_{node.Name})");
    }

    /// <summary>", 0.05" after the spans for an activation with a parameter (LeakyReLU's α).</summary>
    private string Alpha(Node node) => Rule(node).HasAlpha ? ", " + Literals.Number(node.Alpha, _plan.Model.Precision) : "";

    internal static string Name(Node n) => n.IsInput ? Naming.Input : n.Name;
}
