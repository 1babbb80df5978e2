using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Numerics;
using System.Reflection;
using Google.Protobuf;
using Onnx;

namespace SkipNet.Onnx;

/// <summary>
/// Exports a SkipNet network as an ONNX model (opset <see cref="Opset"/> by default, down to
/// <see cref="MinimumOpset"/> on request), for ONNX Runtime, ML.NET's OnnxTransformer, Triton or any
/// other ONNX runtime.
/// </summary>
/// <remarks>
/// <para>
/// The model has one input, <c>x</c> [batch, InputSize], with a dynamic batch dimension, and the
/// output <c>y</c> [batch, OutputSize]: the network's output (logits for the cross-entropy losses).
/// A <see cref="Loss.CrossEntropy"/> network has a second output, <c>probabilities</c> (softmax of
/// y over the classes), and a <see cref="Loss.BinaryCrossEntropy"/> network one with the sigmoid of y.
/// The element type is the network's: float or double.
/// </para>
/// <para>
/// Each layer is a <c>Gemm</c> (W as the initializer <c>layer.weight</c> [out, in], transB = 1, b as
/// <c>layer.bias</c>), each weighted skip a <c>Gemm</c> without bias (<c>a_to_b.weight</c>) and an
/// <c>Add</c>, each identity skip an <c>Add</c>; the initializers have PyTorch's names
/// (<see cref="WeightNames.PyTorch"/>). Activations: <c>Relu</c>, <c>Tanh</c>, <c>Sigmoid</c>;
/// LeakyReLU as <c>LeakyRelu</c> in float and as <c>Where(z &lt; 0, α·z, z)</c> in double (the
/// operator's α attribute is a float); SiLU as z / (1 + e^−z) and Softplus as SkipNet computes them
/// (ln(1 + e^z) with the accurate ln(1 + u), z itself above 20), from <c>Exp</c>, <c>Log</c> and
/// arithmetic; GELU as the <c>Gelu</c> operator in float (½·z·(1 + <c>Erf</c>(z/√2)) below opset 20) and, in double, as ½·z·(1 + erf(z/√2)) with
/// SkipNet's own erf (its Taylor series and piecewise polynomials, selected with <c>Where</c> and
/// <c>Gather</c>), because ONNX Runtime has no double kernel for <c>Erf</c>, <c>Gelu</c> or
/// <c>Softplus</c>. So a double model computes in double throughout: it matches <c>Forward</c> to
/// about 1e-15 relative.
/// </para>
/// </remarks>
public static class OnnxExport
{
    /// <summary>The ONNX operator set the models use by default (20: the first with <c>Gelu</c>).</summary>
    public const int Opset = 20;

    /// <summary>The lowest operator set the export writes (17, as ONNX 1.12 and ONNX Runtime 1.11 read it); below 20, float GELU is composed from <c>Erf</c>.</summary>
    public const int MinimumOpset = 17;

    /// <summary>The ONNX IR version of the models at the default opset (9, which opset 20 needs).</summary>
    public const int IrVersion = 9;

    /// <summary>The IR version a model of <paramref name="opset"/> declares: the lowest that carries it (8 up to opset 18, 9 for 19 and 20), so older checkers and runtimes read it.</summary>
    public static int IrVersionOf(int opset) => opset <= 18 ? 8 : 9;

    /// <summary>Writes the network as an ONNX model to <paramref name="path"/> (conventionally <c>*.onnx</c>), replacing the file atomically.</summary>
    /// <exception cref="ArgumentNullException">The network is null.</exception>
    /// <exception cref="ArgumentException">The path is empty.</exception>
    public static void ExportOnnx<T>(this IResidualNetwork<T> network, string path)
        where T : unmanaged, IFloatingPointIeee754<T>
        => ExportOnnx(network, path, Opset);

    /// <summary>Writes the network as an ONNX model of operator set <paramref name="opset"/> to <paramref name="path"/>, replacing the file atomically (through a symbolic link, its target).</summary>
    /// <param name="network">The network.</param>
    /// <param name="path">The file to write (conventionally <c>*.onnx</c>).</param>
    /// <param name="opset">From <see cref="MinimumOpset"/> (17) to <see cref="Opset"/> (20): the model declares it and the IR version <see cref="IrVersionOf"/> gives.</param>
    /// <exception cref="ArgumentNullException">The network is null.</exception>
    /// <exception cref="ArgumentException">The path is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The opset is not one the export writes; nothing is written.</exception>
    /// <exception cref="DirectoryNotFoundException">The folder of <paramref name="path"/> does not exist; the message names the path.</exception>
    public static void ExportOnnx<T>(this IResidualNetwork<T> network, string path, int opset)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var model = Build(network, opset);
        SkipNet.CompilerServices.AtomicFile.Write(path, model.WriteTo);
    }

    /// <summary>Writes the network as an ONNX model to <paramref name="stream"/> (left open).</summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static void ExportOnnx<T>(this IResidualNetwork<T> network, Stream stream)
        where T : unmanaged, IFloatingPointIeee754<T>
        => ExportOnnx(network, stream, Opset);

    /// <summary>Writes the network as an ONNX model of operator set <paramref name="opset"/> (17 to 20) to <paramref name="stream"/> (left open).</summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The opset is not one the export writes; nothing is written.</exception>
    public static void ExportOnnx<T>(this IResidualNetwork<T> network, Stream stream, int opset)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(stream);
        Build(network, opset).WriteTo(stream);
    }

    /// <summary>The network as an ONNX model, in bytes (for <c>new InferenceSession(bytes)</c>).</summary>
    /// <exception cref="ArgumentNullException">The network is null.</exception>
    public static byte[] ToOnnxBytes<T>(this IResidualNetwork<T> network)
        where T : unmanaged, IFloatingPointIeee754<T>
        => ToOnnxBytes(network, Opset);

    /// <summary>The network as an ONNX model of operator set <paramref name="opset"/> (17 to 20), in bytes.</summary>
    /// <exception cref="ArgumentNullException">The network is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The opset is not one the export writes.</exception>
    public static byte[] ToOnnxBytes<T>(this IResidualNetwork<T> network, int opset)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        return Build(network, opset).ToByteArray();
    }

    private static ModelProto Build<T>(IResidualNetwork<T> network, int opset)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (opset is < MinimumOpset or > Opset)
        {
            throw new ArgumentOutOfRangeException(nameof(opset), opset, $"SkipNet.Onnx writes opsets {MinimumOpset} to {Opset}; {opset} is not one of them.");
        }

        var graph = new OnnxGraph<T>(network.GetType().Name);
        var architecture = network.Architecture;
        graph.Input("x", network.InputSize);
        ReadOnlySpan<T> parameters = network.Parameters;
        foreach (var block in architecture.Blocks)
        {
            graph.Initializer(block.PyTorchName, architecture.TensorShape(block), block.Of(parameters));
        }

        // BatchNorm's running statistics: what it normalizes with at inference.
        ReadOnlySpan<T> buffers = network.Buffers;
        foreach (var buffer in architecture.Buffers)
        {
            graph.Initializer(buffer.Name, [buffer.Rows], buffer.Of(buffers));
        }

        // Images stay 4-D, [batch, C, H, W], between image layers; vectors are [batch, width].
        var outputs = new System.Collections.Generic.Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["x"] = architecture.InputShape is { } image ? ToImage(graph, "x", image, "x.image") : "x",
        };
        for (int i = 0; i < architecture.Layers.Count; i++)
        {
            var layer = architecture.Layers[i];
            bool last = i == architecture.Layers.Count - 1;

            // z = the layer's operation on h_prev + Σ skips (NetworkArchitecture.InputsOf): a Gemm with the bias (Dense), a
            // LayerNormalization (LayerNorm) or nothing (Dropout, the identity at inference), then a Gemm and an Add per
            // weighted skip, an Add per identity one.
            var inputs = architecture.InputsOf(layer.Name);
            var inputShape = architecture.ShapeOf(inputs[0].From);
            string previous = outputs[inputs[0].From];
            string n = layer.Name;
            string z = layer.Kind switch
            {
                LayerKind.Dense => graph.Node("Gemm", [Flat(graph, previous, inputShape, n + ".flat"), n + ".weight", n + ".bias"], n + ".z", n, ("transB", 1L)),
                LayerKind.LayerNorm => LayerNorm(graph, layer, previous, opset),
                LayerKind.Dropout => previous,
                LayerKind.BatchNorm => BatchNorm(graph, layer, previous),
                LayerKind.Conv2D => graph.Node("Conv", [previous, n + ".weight", n + ".bias"], n + ".z", n,
                    ("kernel_shape", new long[] { layer.KernelSize, layer.KernelSize }), ("strides", new long[] { layer.Stride, layer.Stride }),
                    ("pads", new long[] { layer.Padding, layer.Padding, layer.Padding, layer.Padding })),
                LayerKind.MaxPool2D or LayerKind.AvgPool2D => graph.Node(layer.Kind == LayerKind.MaxPool2D ? "MaxPool" : "AveragePool", [previous], n + ".z", n,
                    ("kernel_shape", new long[] { layer.KernelSize, layer.KernelSize }), ("strides", new long[] { layer.Stride, layer.Stride })),
                LayerKind.GlobalAvgPool2D => graph.Node("Flatten", [graph.Node("GlobalAveragePool", [previous], n + ".pooled", n + "/pooled")], n + ".z", n, ("axis", 1L)),
                _ => throw new NotSupportedException($"ExportOnnx does not know the layer kind {layer.Kind}."),
            };
            foreach (var skip in inputs.Skip(1))
            {
                // Between images a weighted skip is a 1×1 convolution (stride H_from/H_to); otherwise a matrix on
                // the flattened values, reshaped back when it ends at an image.
                string module = $"{skip.From}_to_{n}";
                var from = architecture.ShapeOf(skip.From);
                string added = skip.Skip != SkipKind.Weighted ? outputs[skip.From]
                    : from is not null && layer.Shape is not null
                        ? graph.Node("Conv", [outputs[skip.From], module + ".weight"], module + ".out", module,
                            ("kernel_shape", new long[] { 1, 1 }), ("strides", new long[] { from[1] / layer.Shape[1], from[2] / layer.Shape[2] }))
                        : Unflat(graph, graph.Node("Gemm", [Flat(graph, outputs[skip.From], from, module + ".flat"), module + ".weight"], module + ".out", module, ("transB", 1L)), layer.Shape, module + ".image");
                z = graph.Node("Add", [z, added], $"{n}.z+{skip.From}", $"{n}/skip {skip.From}");
            }

            if (last && layer.Shape is not null)
            {
                // The output is [batch, OutputSize]: an image flattened in NCHW order.
                outputs[n] = graph.Node("Flatten", [Activation(graph, layer, z, n + ".h", opset)], "y", "y", ("axis", 1L));
            }
            else
            {
                outputs[n] = Activation(graph, layer, z, last ? "y" : n + ".h", opset);
            }
        }

        graph.Output("y", network.OutputSize);
        if (architecture.Loss == Loss.CrossEntropy)
        {
            graph.Node("Softmax", ["y"], "probabilities", "probabilities", ("axis", -1L));
            graph.Output("probabilities", network.OutputSize);
        }
        else if (architecture.Loss == Loss.BinaryCrossEntropy)
        {
            graph.Node("Sigmoid", ["y"], "probabilities", "probabilities");
            graph.Output("probabilities", network.OutputSize);
        }

        var model = new ModelProto
        {
            IrVersion = IrVersionOf(opset),
            ProducerName = "SkipNet",
            ProducerVersion = typeof(OnnxExport).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown",
            Domain = "skipnet",
            DocString = $"{network.GetType().FullName}, exported by SkipNet.Onnx. Input x [batch, {network.InputSize}], output y [batch, {network.OutputSize}] ({architecture.Loss} network).",
            Graph = graph.Proto,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        return model;
    }

    /// <summary>x [batch, C·H·W] as [batch, C, H, W].</summary>
    private static string ToImage<T>(OnnxGraph<T> g, string input, IReadOnlyList<int> shape, string output)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        string target = output + ".shape";
        g.Initializer(target, [4], global::Onnx.TensorProto.Types.DataType.Int64, Int64s(-1, shape[0], shape[1], shape[2]));
        return g.Node("Reshape", [input, target], output, output);
    }

    /// <summary>An image flattened to [batch, C·H·W] (nn.Flatten); a vector as it is.</summary>
    private static string Flat<T>(OnnxGraph<T> g, string input, IReadOnlyList<int>? shape, string output)
        where T : unmanaged, IFloatingPointIeee754<T>
        => shape is null ? input : g.Node("Flatten", [input], output, output, ("axis", 1L));

    /// <summary>A vector reshaped into an image of <paramref name="shape"/>; a vector stays one.</summary>
    private static string Unflat<T>(OnnxGraph<T> g, string input, IReadOnlyList<int>? shape, string output)
        where T : unmanaged, IFloatingPointIeee754<T>
        => shape is null ? input : ToImage(g, input, shape, output);

    private static byte[] Int64s(params long[] values) => values.SelectMany(BitConverter.GetBytes).ToArray();

    /// <summary>
    /// γ⊙(h − μ)/√(σ² + ε) + β over the last axis: LayerNormalization in float; in double, the same
    /// formula from ReduceMean, Sub, Mul, Add, Sqrt and Div, since LayerNormalization's ε is a float
    /// attribute (0.1 would be 0.10000000149 in a double network).
    /// </summary>
    private static string LayerNorm<T>(OnnxGraph<T> g, LayerInfo layer, string input, int opset)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Over each sample's values: the last axis of a vector, C, H and W of an image (nn.LayerNorm([C, H, W])).
        string n = layer.Name;
        bool image = layer.Shape is not null;
        if (typeof(T) == typeof(float))
        {
            return g.Node("LayerNormalization", [input, n + ".weight", n + ".bias"], n + ".z", n, ("axis", image ? 1L : -1L), ("epsilon", (float)layer.Epsilon));
        }

        long[] sampleAxes = image ? [1, 2, 3] : [-1];
        string Mean(string x, string output)
        {
            if (opset < 18)
            {
                return g.Node("ReduceMean", [x], output, $"{n}/{output}", ("axes", sampleAxes), ("keepdims", 1L));
            }

            string axes = image ? "axes_image" : "axes_last";
            if (!g.Has(axes))
            {
                g.Initializer(axes, [sampleAxes.Length], global::Onnx.TensorProto.Types.DataType.Int64, Int64s(sampleAxes));
            }

            return g.Node("ReduceMean", [x, axes], output, $"{n}/{output}", ("keepdims", 1L));
        }

        string mean = Mean(input, n + ".mean");
        string centered = g.Node("Sub", [input, mean], n + ".centered", n + "/centered");
        string variance = Mean(g.Node("Mul", [centered, centered], n + ".squares", n + "/squares"), n + ".variance");
        string deviation = g.Node("Sqrt", [g.Node("Add", [variance, g.Constant(layer.Epsilon)], n + ".variance_eps", n + "/variance_eps")], n + ".deviation", n + "/deviation");
        string normalized = g.Node("Div", [centered, deviation], n + ".normalized", n + "/normalized");
        return g.Node("Add", [g.Node("Mul", [normalized, n + ".weight"], n + ".scaled", n + "/scaled"), n + ".bias"], n + ".z", n);
    }

    /// <summary>
    /// Batch normalization with the running statistics (eval mode): BatchNormalization in float; in
    /// double, (h − running_mean)/√(running_var + ε)·γ + β from Sub, Add, Sqrt, Div, Mul, since
    /// BatchNormalization's ε is a float attribute.
    /// </summary>
    private static string BatchNorm<T>(OnnxGraph<T> g, LayerInfo layer, string input)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        string n = layer.Name;
        if (typeof(T) == typeof(float))
        {
            return g.Node("BatchNormalization", [input, n + ".weight", n + ".bias", n + ".running_mean", n + ".running_var"], n + ".z", n, ("epsilon", (float)layer.Epsilon));
        }

        // Per channel of an image: the [C] statistics and γ, β reshaped to [C, 1, 1] to broadcast over H and W.
        string PerChannel(string tensor)
        {
            if (layer.Shape is null)
            {
                return tensor;
            }

            const string shape = "per_channel.shape";
            if (!g.Has(shape))
            {
                g.Initializer(shape, [3], global::Onnx.TensorProto.Types.DataType.Int64, Int64s(-1, 1, 1));
            }

            return g.Node("Reshape", [tensor, shape], tensor + ".per_channel", tensor + "/per_channel");
        }

        string centered = g.Node("Sub", [input, PerChannel(n + ".running_mean")], n + ".centered", n + "/centered");
        string deviation = g.Node("Sqrt", [g.Node("Add", [PerChannel(n + ".running_var"), g.Constant(layer.Epsilon)], n + ".variance_eps", n + "/variance_eps")], n + ".deviation", n + "/deviation");
        string normalized = g.Node("Div", [centered, deviation], n + ".normalized", n + "/normalized");
        return g.Node("Add", [g.Node("Mul", [normalized, PerChannel(n + ".weight")], n + ".scaled", n + "/scaled"), PerChannel(n + ".bias")], n + ".z", n);
    }

    /// <summary>
    /// A layer's [Differentiable] function of z from ONNX operators, node by node as its body reads:
    /// Neg, Add, Sub, Mul, Div, Exp, Log, Sqrt, Pow, Tanh, Sin, Cos, Abs, Max, Min, and Where on
    /// Less, LessOrEqual, Greater, GreaterOrEqual, Equal or Not(Equal); sinh and cosh as (eᵃ ∓ e⁻ᵃ)/2.
    /// </summary>
    private static string Function<T>(OnnxGraph<T> g, DifferentiableFunction function, string z, string output, string layer)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        string prefix = $"{layer}.{function.Name}";
        string Node(string op, string[] inputs, string? into) => g.Node(op, inputs, into ?? prefix, $"{layer}/{function.Name}/{op.ToLowerInvariant()}");
        string Build(FunctionExpression e, string? into)
        {
            string A() => Build(e.Operands[0], null);
            string B() => Build(e.Operands[1], null);
            switch (e.Operation)
            {
                case FunctionOperation.Constant when into is null:
                    return g.Constant(e.Value);
                case FunctionOperation.Constant:
                    // The whole function is a constant: as many of it as z has values.
                    return Node("Expand", [g.Constant(e.Value), Node("Shape", [z], null)], into);
                case FunctionOperation.Parameter:
                    return into is null ? z : Node("Identity", [z], into);
                case FunctionOperation.Sinh or FunctionOperation.Cosh:
                {
                    string a = A(), plus = Node("Exp", [a], null), minus = Node("Exp", [Node("Neg", [a], null)], null);
                    return Node("Div", [Node(e.Operation == FunctionOperation.Sinh ? "Sub" : "Add", [plus, minus], null), g.Constant(2)], into);
                }

                case FunctionOperation.Condition:
                {
                    string a = A(), b = B();
                    string test = e.Comparison switch
                    {
                        FunctionComparison.Less => Node("Less", [a, b], null),
                        FunctionComparison.LessOrEqual => Node("LessOrEqual", [a, b], null),
                        FunctionComparison.Greater => Node("Greater", [a, b], null),
                        FunctionComparison.GreaterOrEqual => Node("GreaterOrEqual", [a, b], null),
                        FunctionComparison.Equal => Node("Equal", [a, b], null),
                        _ => Node("Not", [Node("Equal", [a, b], null)], null),
                    };
                    return Node("Where", [test, Build(e.Operands[2], null), Build(e.Operands[3], null)], into);
                }

                default:
                {
                    string op = e.Operation switch
                    {
                        FunctionOperation.Negate => "Neg",
                        FunctionOperation.Add => "Add",
                        FunctionOperation.Subtract => "Sub",
                        FunctionOperation.Multiply => "Mul",
                        FunctionOperation.Divide => "Div",
                        FunctionOperation.Exp => "Exp",
                        FunctionOperation.Log => "Log",
                        FunctionOperation.Sqrt => "Sqrt",
                        FunctionOperation.Pow => "Pow",
                        FunctionOperation.Tanh => "Tanh",
                        FunctionOperation.Sin => "Sin",
                        FunctionOperation.Cos => "Cos",
                        FunctionOperation.Abs => "Abs",
                        FunctionOperation.Max => "Max",
                        FunctionOperation.Min => "Min",
                        _ => throw new NotSupportedException($"ExportOnnx cannot write [Differentiable] function '{function.Name}' (layer '{layer}'): it has no ONNX operator for {e.Operation}."),
                    };
                    return Node(op, e.Operands.Count == 1 ? [A()] : [A(), B()], into);
                }
            }
        }

        return Build(function.Body, output);
    }

    /// <summary>The activation of one layer, from z, into the tensor <paramref name="output"/>.</summary>
    private static string Activation<T>(OnnxGraph<T> g, LayerInfo layer, string z, string output, int opset)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        string n = layer.Name;
        bool single = typeof(T) == typeof(float);
        if (layer.Function is { } function)
        {
            return Function(g, function, z, output, n);
        }

        switch (layer.Activation)
        {
            case SkipNet.Activation.Identity:
                return g.Node("Identity", [z], output, n + "/identity");
            case SkipNet.Activation.ReLU:
                return g.Node("Relu", [z], output, n + "/relu");
            case SkipNet.Activation.Tanh:
                return g.Node("Tanh", [z], output, n + "/tanh");
            case SkipNet.Activation.Sigmoid:
                return g.Node("Sigmoid", [z], output, n + "/sigmoid");
            case SkipNet.Activation.LeakyReLU when single:
                return g.Node("LeakyRelu", [z], output, n + "/leaky_relu", ("alpha", (float)layer.Alpha));
            case SkipNet.Activation.LeakyReLU:
            {
                // LeakyRelu's α is a float attribute; in double, α·z with α in double.
                string negative = g.Node("Less", [z, g.Constant(0)], n + ".negative", n + "/negative");
                string scaled = g.Node("Mul", [z, g.Constant(layer.Alpha)], n + ".alpha_z", n + "/alpha_z");
                return g.Node("Where", [negative, scaled, z], output, n + "/leaky_relu");
            }

            case SkipNet.Activation.SiLU:
            {
                // z / (1 + e^−z), as SkipNet computes it.
                string e = g.Node("Exp", [g.Node("Neg", [z], n + ".minus_z", n + "/neg")], n + ".exp_minus_z", n + "/exp");
                string denominator = g.Node("Add", [g.Constant(1), e], n + ".one_plus_exp", n + "/one_plus");
                return g.Node("Div", [z, denominator], output, n + "/silu");
            }

            case SkipNet.Activation.Softplus:
            {
                // z when z > 20, else ln(1 + e^z) with ln(1 + u) = ln(w)·u/(w − 1), w = 1 + u (u itself when w rounds to 1).
                string u = g.Node("Exp", [z], n + ".exp_z", n + "/exp");
                string w = g.Node("Add", [g.Constant(1), u], n + ".w", n + "/w");
                string corrected = g.Node("Div", [g.Node("Mul", [g.Node("Log", [w], n + ".log_w", n + "/log"), u], n + ".log_w_u", n + "/log_w_u"), g.Node("Sub", [w, g.Constant(1)], n + ".w_minus_1", n + "/w_minus_1")], n + ".log1p_corrected", n + "/log1p");
                string log1p = g.Node("Where", [g.Node("Equal", [w, g.Constant(1)], n + ".w_is_1", n + "/w_is_1"), u, corrected], n + ".log1p", n + "/log1p_select");
                string above = g.Node("Greater", [z, g.Constant(20)], n + ".above_threshold", n + "/threshold");
                return g.Node("Where", [above, z, log1p], output, n + "/softplus");
            }

            case SkipNet.Activation.GELU when single && opset >= 20:
                return g.Node("Gelu", [z], output, n + "/gelu");
            case SkipNet.Activation.GELU when single:
            {
                // Before opset 20 there is no Gelu: ½·z·(1 + Erf(z/√2)), Erf having a float kernel everywhere.
                string scaled = g.Node("Mul", [z, g.Constant(0.70710678118654752440)], n + ".z_over_sqrt2", n + "/z_over_sqrt2");
                string erf = g.Node("Erf", [scaled], n + ".erf", n + "/erf");
                string half = g.Node("Mul", [g.Constant(0.5), z], n + ".half_z", n + "/half_z");
                return g.Node("Mul", [half, g.Node("Add", [g.Constant(1), erf], n + ".one_plus_erf", n + "/one_plus_erf")], output, n + "/gelu");
            }

            case SkipNet.Activation.GELU:
            {
                // ½·z·(1 + erf(z/√2)) in double, in SkipNet's order of operations.
                string scaled = g.Node("Mul", [z, g.Constant(0.70710678118654752440)], n + ".z_over_sqrt2", n + "/z_over_sqrt2");
                string erf = ErfGraph.Erf(g, scaled, n);
                string half = g.Node("Mul", [g.Constant(0.5), z], n + ".half_z", n + "/half_z");
                return g.Node("Mul", [half, g.Node("Add", [g.Constant(1), erf], n + ".one_plus_erf", n + "/one_plus_erf")], output, n + "/gelu");
            }

            default:
                throw new NotSupportedException($"Layer '{layer.Name}' has the activation {layer.Activation}, which this version of SkipNet.Onnx does not know.");
        }
    }
}
