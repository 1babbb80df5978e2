using System.Text;

namespace SkipNet.Generator.Tests;

/// <summary>A network declaration drawn at random, and the C# that declares it.</summary>
public sealed record NetSpec(int Id, int Inputs, NetSpec.Layer[] Layers, NetSpec.Edge[] Skips, Loss Loss, int Batch, double HuberDelta = 1.0, int[]? InputShape = null)
{
    /// <summary>
    /// A layer; a LayerNorm's, BatchNorm's or Dropout's Units is the previous layer's width. An image
    /// layer's <see cref="Shape"/> is its output [C, H, W] (Units = C·H·W); Kernel, Stride and Padding
    /// are a convolution's or a pooling's.
    /// </summary>
    public sealed record Layer(
        string Name, int Units, Activation Activation, double Alpha, LayerKind Kind = LayerKind.Dense, double Epsilon = 1e-5, double P = 0, double Momentum = 0.1,
        int[]? Shape = null, int Kernel = 0, int Stride = 0, int Padding = 0);

    /// <summary>The image shape [C, H, W] a node gives, or null for a vector.</summary>
    public int[]? ShapeOf(string node) => node == "x" ? InputShape : Layers.Single(l => l.Name == node).Shape;

    public bool HasImages => InputShape is not null;

    public bool HasDropout => Layers.Any(l => l.Kind == LayerKind.Dropout);

    public sealed record Edge(string From, string To, SkipKind Kind);

    public string ClassName(CodeStyle style, Precision precision) => $"Net{Id}_{style}_{precision}";

    public int Width(string node) => node == "x" ? Inputs : Layers.Single(l => l.Name == node).Units;

    public string Declare(CodeStyle style, Precision precision)
    {
        var s = new StringBuilder();
        string delta = Loss == Loss.Huber ? $", HuberDelta = {HuberDelta.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}" : "";
        string input = InputShape is { } shape ? $"InputShape = new[] {{ {string.Join(", ", shape)} }}" : $"Inputs = {Inputs}";
        s.AppendLine($"[Residual({input}, Loss = Loss.{Loss}{delta}, CodeStyle = CodeStyle.{style}, Precision = Precision.{precision})]");
        foreach (var l in Layers)
        {
            string R(double v) => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
            string alpha = l.Activation == Activation.LeakyReLU ? $", Alpha = {R(l.Alpha)}" : "";
            s.AppendLine(l.Kind switch
            {
                LayerKind.Dense => $"[Dense(\"{l.Name}\", {l.Units}, Activation.{l.Activation}{alpha})]",
                LayerKind.LayerNorm => $"[LayerNorm(\"{l.Name}\", Activation.{l.Activation}{alpha}, Epsilon = {R(l.Epsilon)})]",
                LayerKind.Dropout => $"[Dropout(\"{l.Name}\", {R(l.P)})]",
                LayerKind.BatchNorm => $"[BatchNorm(\"{l.Name}\", Activation.{l.Activation}{alpha}, Epsilon = {R(l.Epsilon)}, Momentum = {R(l.Momentum)})]",
                LayerKind.Conv2D => $"[Conv2D(\"{l.Name}\", {l.Shape![0]}, {l.Kernel}, Activation.{l.Activation}{alpha}, Stride = {l.Stride}, Padding = {l.Padding})]",
                LayerKind.MaxPool2D or LayerKind.AvgPool2D => $"[{l.Kind}(\"{l.Name}\", {l.Kernel}{(l.Stride == l.Kernel ? "" : $", Stride = {l.Stride}")})]",
                LayerKind.GlobalAvgPool2D => $"[GlobalAvgPool2D(\"{l.Name}\")]",
                _ => throw new InvalidOperationException("Unknown layer kind " + l.Kind),
            });
        }

        foreach (var e in Skips)
        {
            s.AppendLine($"[Skip(\"{e.From}\", \"{e.To}\", SkipKind.{e.Kind})]");
        }

        s.AppendLine($"public partial class {ClassName(style, precision)};");
        return s.ToString();
    }

    /// <summary>
    /// A network with LayerNorm, Dropout and BatchNorm layers among Dense ones: depth 2–7, Dense widths 2–12
    /// (LayerNorm over one value is constant), every activation on the Dense and LayerNorm layers,
    /// ε from 1e-5 to 0.1, p from 0 to 0.6, BatchNorm momentum 0.1 to 1, skips of both kinds into any layer
    /// (also from x), every loss, batch 1–4 (2–4 with BatchNorm).
    /// </summary>
    public static NetSpec DrawLayered(int id)
    {
        var random = new Random(5000 + id);
        int depth = 2 + random.Next(6);
        int inputs = 2 + random.Next(11);
        var layers = new List<Layer>();
        var activations = Enum.GetValues<Activation>();
        int width = inputs;
        for (int i = 0; i < depth; i++)
        {
            var activation = activations[(id + i + random.Next(2)) % activations.Length];
            double alpha = 0.01 + 0.2 * random.NextDouble();
            bool last = i == depth - 1;
            int pick = last ? 0 : (id + i) % 4 == 0 ? random.Next(4) : random.Next(7) % 4;
            var layer = pick switch
            {
                3 => new Layer("bn" + i, width, activation, alpha, LayerKind.BatchNorm, Epsilon: new[] { 1e-5, 1e-3 }[random.Next(2)], Momentum: new[] { 0.1, 0.5, 1 }[random.Next(3)]),
                1 => new Layer("norm" + i, width, activation, alpha, LayerKind.LayerNorm, Epsilon: new[] { 1e-5, 1e-3, 0.1 }[random.Next(3)]),
                2 => new Layer("drop" + i, width, Activation.Identity, 0.01, LayerKind.Dropout, P: new[] { 0, 0.1, 0.5, 0.6 }[random.Next(4)]),
                _ => new Layer("h" + i, 2 + random.Next(11), activation, alpha),
            };
            layers.Add(layer);
            width = layer.Units;
        }

        var skips = new List<Edge>();
        for (int to = 1; to < depth; to++)
        {
            for (int from = -1; from < to; from++)
            {
                if (random.NextDouble() < 0.3)
                {
                    int fromWidth = from < 0 ? inputs : layers[from].Units;
                    var kind = fromWidth == layers[to].Units && random.Next(2) == 0 ? SkipKind.Identity : SkipKind.Weighted;
                    skips.Add(new Edge(from < 0 ? "x" : layers[from].Name, layers[to].Name, kind));
                }
            }
        }

        var losses = Enum.GetValues<Loss>();
        var loss = losses[id % losses.Length];
        if (loss is Loss.CrossEntropy or Loss.BinaryCrossEntropy)
        {
            layers[^1] = layers[^1] with { Activation = Activation.Identity };
        }

        // BatchNorm's training calls need at least 2 samples.
        int batch = layers.Any(l => l.Kind == LayerKind.BatchNorm) ? 2 + id % 3 : 1 + id % 4;
        return new NetSpec(id, inputs, layers.ToArray(), skips.ToArray(), loss, batch, HuberDelta: 0.25 + (id % 3) * 0.5);
    }

    public bool HasBatchNorm => Layers.Any(l => l.Kind == LayerKind.BatchNorm);

    /// <summary>How many forms <see cref="DrawFused"/> has.</summary>
    public const int FusedForms = 6;

    /// <summary>
    /// A convolution read only by the BatchNorm after it, which Forward runs as one pass, in each of its
    /// forms (<paramref name="form"/> 0–5): with an identity skip and ReLU (the skip added and ReLU taken
    /// in the pass); linear without skips; GELU after an identity skip (the pass stops at z); ReLU after a
    /// weighted skip (likewise); the convolution also read by a skip (no fusion); stride 2 (im2col).
    /// </summary>
    public static NetSpec DrawFused(int id, int form)
    {
        int[] input = [2, 6, 5];
        int stride = form == 5 ? 2 : 1;
        int[] image = [3, 6, 5], conv = [3, (6 + 2 - 3) / stride + 1, (5 + 2 - 3) / stride + 1];
        var bnActivation = form switch { 1 => Activation.Identity, 2 => Activation.GELU, _ => Activation.ReLU };
        var layers = new List<Layer>
        {
            new("c0", 90, Activation.Tanh, 0.01, LayerKind.Conv2D, Shape: image, Kernel: 3, Stride: 1, Padding: 1),
            new("c1", conv[0] * conv[1] * conv[2], Activation.Identity, 0.01, LayerKind.Conv2D, Shape: conv, Kernel: 3, Stride: stride, Padding: 1),
            new("bn1", conv[0] * conv[1] * conv[2], bnActivation, 0.01, LayerKind.BatchNorm, Epsilon: 1e-3, Momentum: 0.3, Shape: conv),
            new("y", 3, Activation.Identity, 0.01),
        };
        Edge[] skips = form switch
        {
            0 or 2 => [new("c0", "bn1", SkipKind.Identity)],
            3 => [new("x", "bn1", SkipKind.Weighted)],
            4 => [new("c1", "y", SkipKind.Weighted)],
            _ => [],
        };
        var losses = Enum.GetValues<Loss>();
        return new NetSpec(id, 60, layers.ToArray(), skips, losses[id % losses.Length], 2 + id % 3, HuberDelta: 0.75, InputShape: input);
    }

    /// <summary>
    /// A network on a small image: C 1–3, H and W 3–7 (not always square); convolutions (1–4 channels,
    /// k 1–3, stride 1–2, padding 0–1), both pools (with and without their own stride), BatchNorm2d,
    /// LayerNorm over an image, Dropout, global average pooling, then Dense layers (flattening an image
    /// when no pooling came first); identity skips between equal shapes, weighted ones between images
    /// (1×1 convolutions, stride 1 or 2) and between an image and a vector; every loss; batch 2–4.
    /// </summary>
    public static NetSpec DrawImage(int id)
    {
        var random = new Random(9000 + id);
        int[] input = [1 + random.Next(3), 3 + random.Next(5), 3 + random.Next(5)];
        var layers = new List<Layer>();
        var activations = Enum.GetValues<Activation>();
        int[]? shape = input;
        int width = input[0] * input[1] * input[2];
        int depth = 3 + random.Next(5);
        for (int i = 0; i < depth; i++)
        {
            var activation = activations[(id + i + random.Next(3)) % activations.Length];
            double alpha = 0.01 + 0.2 * random.NextDouble();
            Layer layer;
            int pick = random.Next(10);
            if (i == depth - 1 || shape is null)
            {
                layer = pick < 7 || i == depth - 1 ? new Layer("h" + i, 2 + random.Next(5), activation, alpha) : new Layer("drop" + i, width, Activation.Identity, 0.01, LayerKind.Dropout, P: 0.2);
            }
            else if (pick < 4)
            {
                int kernel = 1 + random.Next(3), stride = 1 + random.Next(2), padding = random.Next(2);
                if (kernel > shape[1] + 2 * padding || kernel > shape[2] + 2 * padding)
                {
                    kernel = 1;
                }

                int[] output = [1 + random.Next(4), (shape[1] + 2 * padding - kernel) / stride + 1, (shape[2] + 2 * padding - kernel) / stride + 1];
                layer = new Layer("conv" + i, output[0] * output[1] * output[2], activation, alpha, LayerKind.Conv2D, Shape: output, Kernel: kernel, Stride: stride, Padding: padding);
            }
            else if (pick < 6 && Math.Min(shape[1], shape[2]) >= 2)
            {
                int kernel = 2 + random.Next(Math.Min(2, Math.Min(shape[1], shape[2]) - 1)), stride = random.Next(2) == 0 ? kernel : 1;
                int[] output = [shape[0], (shape[1] - kernel) / stride + 1, (shape[2] - kernel) / stride + 1];
                var kind = random.Next(2) == 0 ? LayerKind.MaxPool2D : LayerKind.AvgPool2D;
                layer = new Layer("pool" + i, output[0] * output[1] * output[2], Activation.Identity, 0.01, kind, Shape: output, Kernel: kernel, Stride: stride);
            }
            else if (pick == 6)
            {
                layer = new Layer("bn" + i, width, activation, alpha, LayerKind.BatchNorm, Epsilon: 1e-3, Momentum: 0.3, Shape: shape);
            }
            else if (pick == 7)
            {
                layer = new Layer("norm" + i, width, activation, alpha, LayerKind.LayerNorm, Epsilon: 1e-3, Shape: shape);
            }
            else if (pick == 8)
            {
                layer = new Layer("drop" + i, width, Activation.Identity, 0.01, LayerKind.Dropout, P: 0.3, Shape: shape);
            }
            else
            {
                layer = new Layer("gap" + i, shape[0], Activation.Identity, 0.01, LayerKind.GlobalAvgPool2D);
            }

            layers.Add(layer);
            shape = layer.Kind == LayerKind.Dense ? null : layer.Shape;
            width = layer.Units;
        }

        var losses = Enum.GetValues<Loss>();
        var loss = losses[id % losses.Length];
        if (loss is Loss.CrossEntropy or Loss.BinaryCrossEntropy)
        {
            layers[^1] = layers[^1] with { Activation = Activation.Identity, Units = Math.Max(2, layers[^1].Units) };
        }

        var skips = new List<Edge>();
        for (int to = 1; to < depth; to++)
        {
            for (int from = -1; from < to; from++)
            {
                // Skips into a pooling are rarer (a weighted one needs the sizes to divide): they are drawn more often.
                if (random.NextDouble() >= (layers[to].Kind is LayerKind.MaxPool2D or LayerKind.AvgPool2D ? 0.8 : 0.35))
                {
                    continue;
                }

                int[]? a = from < 0 ? input : layers[from].Shape, b = layers[to].Shape;
                int fromWidth = from < 0 ? input[0] * input[1] * input[2] : layers[from].Units;
                bool same = a is null == b is null && (a is null ? fromWidth == layers[to].Units : a.SequenceEqual(b!));
                bool convolution = a is not null && b is not null && a[1] % b[1] == 0 && a[2] % b[2] == 0 && a[1] / b[1] == a[2] / b[2];
                var kind = same && random.Next(2) == 0 ? SkipKind.Identity : SkipKind.Weighted;
                if (kind == SkipKind.Weighted && a is not null && b is not null && !convolution)
                {
                    continue;
                }

                skips.Add(new Edge(from < 0 ? "x" : layers[from].Name, layers[to].Name, kind));
            }
        }

        return new NetSpec(id, input[0] * input[1] * input[2], layers.ToArray(), skips.ToArray(), loss, 2 + id % 3, HuberDelta: 0.25 + (id % 3) * 0.5, InputShape: input);
    }

    /// <summary>
    /// Depth 1–6, widths 1–12, every activation, every skip kind (also from x), every loss, batch 1–4.
    /// A loss on logits gets a linear output, and cross-entropy at least two classes.
    /// </summary>
    public static NetSpec Draw(int id)
    {
        var random = new Random(1000 + id);
        string[] stems = ["h", "hidden", "enc", "Block", "y"];
        int depth = 1 + random.Next(6);
        int inputs = 1 + random.Next(12);
        var layers = new NetSpec.Layer[depth];
        for (int i = 0; i < depth; i++)
        {
            // Cycle activations by id and position so every one appears, in every position.
            var activations = Enum.GetValues<Activation>();
            var activation = activations[(id + i + random.Next(2)) % activations.Length];
            layers[i] = new Layer(stems[random.Next(stems.Length)] + i, 1 + random.Next(12), activation, 0.01 + 0.2 * random.NextDouble());
        }

        var skips = new List<Edge>();
        for (int to = 1; to < depth; to++)
        {
            for (int from = -1; from < to; from++)
            {
                if (random.NextDouble() < 0.35)
                {
                    string fromName = from < 0 ? "x" : layers[from].Name;
                    int fromWidth = from < 0 ? inputs : layers[from].Units;
                    var kinds = Enum.GetValues<SkipKind>().Where(k => k != SkipKind.Identity || fromWidth == layers[to].Units).ToArray();
                    var kind = kinds.Length == 1 ? kinds[0] : kinds[random.Next(kinds.Length)];
                    skips.Add(new Edge(fromName, layers[to].Name, kind));
                }
            }
        }

        // Identity skips need equal widths: make some so, then add one from x when the widths allow.
        if (depth > 1 && id % 3 == 0)
        {
            layers[depth - 1] = layers[depth - 1] with { Units = inputs };
            skips.RemoveAll(e => e.To == layers[depth - 1].Name);
            skips.Add(new Edge("x", layers[depth - 1].Name, SkipKind.Identity));
        }

        var losses = Enum.GetValues<Loss>();
        var loss = losses[id % losses.Length];
        var output = layers[depth - 1];
        if (loss is Loss.CrossEntropy or Loss.BinaryCrossEntropy)
        {
            output = output with { Activation = Activation.Identity };
        }

        if (loss == Loss.CrossEntropy && output.Units < 2)
        {
            output = output with { Units = 2 };
        }

        layers[depth - 1] = output;
        skips = skips.Select(e => e.Kind == SkipKind.Identity && e.To == output.Name && (e.From == "x" ? inputs : layers.Single(l => l.Name == e.From).Units) != output.Units
            ? e with { Kind = SkipKind.Weighted } : e).ToList();
        return new NetSpec(id, inputs, layers, skips.ToArray(), loss, 1 + id % 4, HuberDelta: 0.25 + (id % 3) * 0.5);
    }
}
