using System.Collections.Generic;
using System.Linq;
using SkipNet.Generator.Layers;
using SkipNet.Generator.Model;

namespace SkipNet.Generator.Emit;

/// <summary>
/// The model laid out for emission: nodes (the input x, then each layer), the parameter blocks
/// with their offsets (docs/conventions.md: per layer W, b, then the weighted skips ending at it),
/// and for each node the edges that feed it and the edges that read it.
/// </summary>
internal sealed class NetworkPlan
{
    private NetworkPlan(NetworkModel model, List<Node> nodes, List<Block> blocks)
    {
        Model = model;
        Nodes = nodes;
        Blocks = blocks;
    }

    public NetworkModel Model { get; }

    /// <summary>Nodes[0] is the input x; Nodes[i + 1] is layer i.</summary>
    public IReadOnlyList<Node> Nodes { get; }

    public IEnumerable<Node> Layers => Nodes.Skip(1);

    public Node Input => Nodes[0];

    public Node Output => Nodes[Nodes.Count - 1];

    public IReadOnlyList<Block> Blocks { get; }

    public int ParameterCount => Blocks.Count == 0 ? 0 : Blocks[Blocks.Count - 1].Offset + Blocks[Blocks.Count - 1].Length;

    /// <summary>"double" or "float".</summary>
    public string T => Model.Precision switch
    {
        Precision.Double => "double",
        Precision.Single => "float",
        _ => throw new System.InvalidOperationException("Unknown precision " + Model.Precision),
    };

    public static NetworkPlan Create(NetworkModel model)
    {
        var nodes = new List<Node> { new(Naming.Input, new Shape(model.Inputs, model.InputShape), Activation.Identity, 0, layer: null) };
        foreach (var layer in model.Layers)
        {
            nodes.Add(new Node(layer.Name, new Shape(layer.Units, layer.Image), layer.Activation, layer.Alpha, layer));
        }

        var blocks = new List<Block>();
        int offset = 0;
        Block Add(string name, string property, string symbol, int rows, int cols)
        {
            var block = new Block(name, property, symbol, offset, rows, cols);
            blocks.Add(block);
            offset += block.Length;
            return block;
        }

        for (int i = 1; i < nodes.Count; i++)
        {
            var node = nodes[i];
            var previous = nodes[i - 1];

            // The layer's own blocks (docs/conventions.md: W then b), as its kind has them.
            var own = node.Rule.Blocks(node.Layer!, previous.Shape);
            if (own.Weights is { } w)
            {
                node.Weights = Add(node.Name + ".W", Naming.WeightsProperty(node.Name), "w_" + node.Name, w.Rows, w.Cols);
            }

            if (own.BiasRows > 0)
            {
                node.Bias = Add(node.Name + ".b", Naming.BiasProperty(node.Name), "b_" + node.Name, own.BiasRows, 1);
            }

            node.Main = new Edge(previous, node, node.Rule.Kind == LayerKind.Dense ? node.Weights : null, IsSkip: false);
            previous.Readers.Add(node.Main);

            foreach (var skip in model.Skips.Where(s => s.To == node.Name))
            {
                var from = nodes.First(n => n.Name == skip.From);
                var (rows, cols) = SkipShape(from.Shape, node.Shape);
                var matrix = skip.Kind == SkipKind.Weighted
                    ? Add($"{from.Name}->{node.Name}.S", Naming.SkipProperty(from.Name, node.Name), $"s_{from.Name}_{node.Name}", rows, cols)
                    : null;
                var edge = new Edge(from, node, matrix, IsSkip: true);
                node.Skips.Add(edge);
                from.Readers.Add(edge);
            }
        }

        // The running statistics (docs/conventions.md: per BatchNorm layer, its mean then its variance) and batch counts.
        int buffers = 0, counters = 0;
        foreach (var node in nodes.Skip(1).Where(n => n.Rule.RunningStatistics > 0))
        {
            node.RunningMean = buffers;
            node.RunningVariance = buffers + node.Shape.Channels;
            node.Counter = counters++;
            buffers += node.Rule.RunningStatistics * node.Shape.Channels;
        }

        return new NetworkPlan(model, nodes, blocks) { BufferCount = buffers, CounterCount = counters };
    }

    /// <summary>
    /// A weighted skip's block: between images a 1×1 convolution without bias (C_to × C_from, its
    /// stride H_from/H_to), otherwise a matrix on the flattened values (width_to × width_from).
    /// </summary>
    public static (int Rows, int Cols) SkipShape(Shape from, Shape to) =>
        from.Image is { } a && to.Image is { } b ? (b.Channels, a.Channels) : (to.Size, from.Size);

    /// <summary>The length of the buffers (running statistics).</summary>
    public int BufferCount { get; private init; }

    /// <summary>How many layers count their training batches (BatchNorm's num_batches_tracked).</summary>
    public int CounterCount { get; private init; }

    /// <summary>Whether some layer computes differently in training calls (Dropout): the forward pass then takes a mode.</summary>
    public bool HasTrainMode => Layers.Any(n => n.Rule.TrainMode);
}

/// <summary>The input x or a layer.</summary>
internal sealed class Node
{
    public Node(string name, Shape shape, Activation activation, double alpha, LayerModel? layer)
    {
        Name = name;
        Shape = shape;
        Activation = activation;
        Alpha = alpha;
        Layer = layer;
    }

    public string Name { get; }

    /// <summary>How many values the node gives per sample.</summary>
    public int Width => Shape.Size;

    /// <summary>What the node gives per sample: an image or a vector.</summary>
    public Shape Shape { get; }

    public Activation Activation { get; }

    public double Alpha { get; }

    /// <summary>The declaration (null for the input).</summary>
    public LayerModel? Layer { get; }

    public bool IsInput => Layer is null;

    /// <summary>What the layer's kind computes (the input has none).</summary>
    public LayerRule Rule => LayerRule.Of(Layer?.Kind ?? throw new System.InvalidOperationException("The input x has no layer rule."));

    /// <summary>The edge from the previous node that the layer's own operation reads (null for the input); its Matrix is W for a Dense layer.</summary>
    public Edge? Main { get; set; }

    /// <summary>The layer's "name.W" block: W of a Dense layer, γ of a LayerNorm; null when it has none.</summary>
    public Block? Weights { get; set; }

    /// <summary>The layer's "name.b" block (b, or β of a LayerNorm); null when it has none.</summary>
    public Block? Bias { get; set; }

    /// <summary>Where a BatchNorm's running mean and variance start in the buffers, and its batch count's index.</summary>
    public int RunningMean { get; set; } = -1;

    public int RunningVariance { get; set; } = -1;

    public int Counter { get; set; } = -1;

    /// <summary>Skip edges ending here, in declaration order.</summary>
    public List<Edge> Skips { get; } = new();

    /// <summary>Edges that read this node's activation: the next layer's own edge, then skips from here.</summary>
    public List<Edge> Readers { get; } = new();
}

/// <summary>An edge into <see cref="To"/>: the layer's own (W for Dense; none for the other kinds), a weighted skip (S) or an identity skip (no matrix).</summary>
internal sealed record Edge(Node From, Node To, Block? Matrix, bool IsSkip)
{
    /// <summary>A weighted skip between images: a 1×1 convolution without bias.</summary>
    public bool IsConvolution => IsSkip && Matrix is not null && From.Shape.Image is not null && To.Shape.Image is not null;

    /// <summary>The stride of a skip's 1×1 convolution: H_from/H_to.</summary>
    public int Stride => From.Shape.Image is { } a && To.Shape.Image is { } b ? a.Height / b.Height : 1;
}

/// <summary>A named block of the parameter vector.</summary>
/// <param name="Name">"h0.W", "h0.b", "h0->y.S" (docs/conventions.md).</param>
/// <param name="Property">The public accessor: "H0Weights", "H0Bias", "H0ToYSkip".</param>
/// <param name="Symbol">The math symbol in unrolled code: "w_h0", "b_h0", "s_h0_y".</param>
internal sealed record Block(string Name, string Property, string Symbol, int Offset, int Rows, int Cols)
{
    public int Length => Rows * Cols;

    public bool IsBias => Cols == 1 && Name.EndsWith(".b");

    /// <summary>The scalar local for entry [r, c]: "w_h0" when 1×1, "b_h1_2" for a bias, "w_h1_2_0" for a matrix.</summary>
    public string Entry(int r, int c) =>
        Length == 1 ? Symbol : IsBias ? $"{Symbol}_{r}" : $"{Symbol}_{r}_{c}";

    /// <summary>The block in equations: the scalar itself when 1×1, else "W_h1", "S_h0_y", "b_h1".</summary>
    public string MathName => Length == 1 || IsBias ? Symbol : char.ToUpperInvariant(Symbol[0]) + Symbol.Substring(1);
}
