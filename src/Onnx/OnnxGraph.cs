using System;
using System.Collections.Generic;
using System.Numerics;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;

namespace SkipNet.Onnx;

/// <summary>Builds an ONNX graph whose tensors are all of T (float or double): nodes, initializers, constants, inputs and outputs.</summary>
internal sealed class OnnxGraph<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Dictionary<double, string> _constants = [];
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly HashSet<string> _nodeNames = new(StringComparer.Ordinal);

    public OnnxGraph(string name) => Proto = new GraphProto { Name = name };

    public GraphProto Proto { get; }

    public static int ElementType => typeof(T) == typeof(float) ? (int)TensorProto.Types.DataType.Float : (int)TensorProto.Types.DataType.Double;

    public void Input(string name, int width) => Proto.Input.Add(Value(name, width));

    public void Output(string name, int width) => Proto.Output.Add(Value(name, width));

    /// <summary>A tensor of T, [batch, width], with a symbolic batch dimension.</summary>
    private static ValueInfoProto Value(string name, int width)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "batch" });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = width });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = ElementType, Shape = shape } },
        };
    }

    public void Initializer(string name, long[] dims, ReadOnlySpan<T> values)
    {
        var tensor = new TensorProto { Name = Claim(name), DataType = ElementType, RawData = ByteString.CopyFrom(LittleEndian(values)) };
        tensor.Dims.Add(dims);
        Proto.Initializer.Add(tensor);
    }

    /// <summary>An initializer of another element type (indices), from raw little-endian bytes.</summary>
    public void Initializer(string name, long[] dims, TensorProto.Types.DataType type, byte[] bytes)
    {
        var tensor = new TensorProto { Name = Claim(name), DataType = (int)type, RawData = ByteString.CopyFrom(bytes) };
        tensor.Dims.Add(dims);
        Proto.Initializer.Add(tensor);
    }

    /// <summary>A scalar constant of T (one initializer per value).</summary>
    public string Constant(double value)
    {
        if (!_constants.TryGetValue(value, out string? name))
        {
            name = Claim($"const_{_constants.Count}");
            T[] one = [T.CreateTruncating(value)];
            var tensor = new TensorProto { Name = name, DataType = ElementType, RawData = ByteString.CopyFrom(LittleEndian<T>(one)) };
            Proto.Initializer.Add(tensor);
            _constants[value] = name;
        }

        return name;
    }

    /// <summary>Adds a node with one output, named <paramref name="output"/> (made unique), and returns that name.</summary>
    public string Node(string op, string[] inputs, string output, string name, params (string Name, object Value)[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = Unique(_nodeNames, name) };
        node.Input.Add(inputs);
        string result = output is "y" or "probabilities" ? Claim(output) : Unique(_names, output);
        node.Output.Add(result);
        foreach (var (key, value) in attributes)
        {
            node.Attribute.Add(value switch
            {
                long i => new AttributeProto { Name = key, Type = AttributeProto.Types.AttributeType.Int, I = i },
                float f => new AttributeProto { Name = key, Type = AttributeProto.Types.AttributeType.Float, F = f },
                long[] ints => Ints(key, ints),
                _ => throw new ArgumentException($"Unsupported attribute value {value}.", nameof(attributes)),
            });
        }

        Proto.Node.Add(node);
        return result;
    }

    public bool Has(string name) => _names.Contains(name);

    private static AttributeProto Ints(string name, long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.Add(values);
        return attribute;
    }

    private string Claim(string name) =>
        _names.Add(name) ? name : throw new InvalidOperationException($"The ONNX graph already has a tensor named '{name}'.");

    private static string Unique(HashSet<string> names, string name)
    {
        string candidate = name;
        for (int i = 2; !names.Add(candidate); i++)
        {
            candidate = $"{name}_{i}";
        }

        return candidate;
    }

    private static byte[] LittleEndian<TValue>(ReadOnlySpan<TValue> values) where TValue : unmanaged
    {
        byte[] bytes = MemoryMarshal.AsBytes(values).ToArray();
        if (!BitConverter.IsLittleEndian)
        {
            int size = Marshal.SizeOf<TValue>();
            for (int i = 0; i < bytes.Length; i += size)
            {
                Array.Reverse(bytes, i, size);
            }
        }

        return bytes;
    }
}

/// <summary>SkipNet's erf (<see cref="SpecialFunctions.Erf"/>) as ONNX operators that run in double.</summary>
internal static class ErfGraph
{
    /// <summary>erf(<paramref name="x"/>): the Taylor series below 0.5, the piece's polynomial below 6, ±1 beyond.</summary>
    public static string Erf<T>(OnnxGraph<T> g, string x, string layer)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        string n = layer + "/erf";
        string ax = g.Node("Abs", [x], layer + ".erf_abs", n + "/abs");
        string sign = g.Node("Sign", [x], layer + ".erf_sign", n + "/sign");

        // |x| < 0.5: x + x·p(x²).
        var series = SpecialFunctions.ErfSeriesCoefficients;
        string z = g.Node("Mul", [x, x], layer + ".erf_x2", n + "/x2");
        string p = g.Constant(series[^1]);
        for (int i = series.Length - 2; i >= 0; i--)
        {
            p = g.Node("Add", [g.Node("Mul", [p, z], layer + ".erf_series", n + "/series_mul"), g.Constant(series[i])], layer + ".erf_series", n + "/series_add");
        }

        string taylor = g.Node("Add", [x, g.Node("Mul", [x, p], layer + ".erf_x_p", n + "/x_p")], layer + ".erf_taylor", n + "/taylor");

        // 0.5 ≤ |x| < 6: piece i = ⌊(|x| − 0.5)·4⌋ (clamped, so that every lane indexes a piece), t = (|x| − (0.625 + 0.25i))·8.
        int pieces = SpecialFunctions.ErfPieceCoefficients.Length / SpecialFunctions.ErfPieceLength;
        const string table = "erf:pieces"; // ':' never appears in a name made from a layer's
        if (!g.Has(table))
        {
            g.Initializer(table, [pieces, SpecialFunctions.ErfPieceLength], SpecialFunctions.ErfPieceCoefficients.ToArray().AsSpan().ToTyped<T>());
        }

        string floor = g.Node("Floor", [g.Node("Mul", [g.Node("Sub", [ax, g.Constant(0.5)], layer + ".erf_shifted", n + "/shift"), g.Constant(4)], layer + ".erf_scaled", n + "/scale")], layer + ".erf_floor", n + "/floor");
        string piece = g.Node("Min", [g.Node("Max", [floor, g.Constant(0)], layer + ".erf_piece_low", n + "/clamp_low"), g.Constant(pieces - 1)], layer + ".erf_piece", n + "/clamp_high");
        string middle = g.Node("Add", [g.Constant(0.625), g.Node("Mul", [g.Constant(0.25), piece], layer + ".erf_quarter", n + "/quarter")], layer + ".erf_middle", n + "/middle");
        string t = g.Node("Mul", [g.Node("Sub", [ax, middle], layer + ".erf_offset", n + "/offset"), g.Constant(8)], layer + ".erf_t", n + "/t");
        string index = g.Node("Cast", [piece], layer + ".erf_index", n + "/index", ("to", (long)global::Onnx.TensorProto.Types.DataType.Int64));
        string coefficients = g.Node("Gather", [table, index], layer + ".erf_coefficients", n + "/gather", ("axis", 0L));
        string sum = Coefficient(g, coefficients, SpecialFunctions.ErfPieceLength - 1, layer);
        for (int k = SpecialFunctions.ErfPieceLength - 2; k >= 0; k--)
        {
            sum = g.Node("Add", [g.Node("Mul", [sum, t], layer + ".erf_horner", n + "/horner_mul"), Coefficient(g, coefficients, k, layer)], layer + ".erf_horner", n + "/horner_add");
        }

        string polynomial = g.Node("Mul", [sign, sum], layer + ".erf_polynomial", n + "/copysign");
        string inner = g.Node("Where", [g.Node("Less", [ax, g.Constant(6)], layer + ".erf_below_6", n + "/below_6"), polynomial, sign], layer + ".erf_outer", n + "/select_outer");
        return g.Node("Where", [g.Node("Less", [ax, g.Constant(0.5)], layer + ".erf_below_half", n + "/below_half"), taylor, inner], layer + ".erf", n + "/select");
    }

    /// <summary>Coefficient k of each lane's piece: the last axis of the gathered [batch, width, 14] tensor at k.</summary>
    private static string Coefficient<T>(OnnxGraph<T> g, string coefficients, int k, string layer)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        string index = $"erf:k{k}";
        if (!g.Has(index))
        {
            g.Initializer(index, [], global::Onnx.TensorProto.Types.DataType.Int64, BitConverter.GetBytes((long)k));
        }

        return g.Node("Gather", [coefficients, index], layer + $".erf_c{k}", layer + $"/erf/c{k}", ("axis", -1L));
    }

    private static T[] ToTyped<T>(this Span<double> values)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var typed = new T[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            typed[i] = T.CreateTruncating(values[i]);
        }

        return typed;
    }
}
