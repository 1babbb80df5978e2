using System;
using System.Collections.Generic;
using System.Linq;
using System.IO;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace SkipNet;

/// <summary>
/// A network's declaration as canonical JSON (what a weights file records in its metadata) and
/// the names of its parameter blocks in PyTorch's convention.
/// </summary>
internal static class ArchitectureText
{
    /// <summary>The canonical JSON of the declaration: the same text for the same layers, skips, loss and precision.</summary>
    public static string Json<T>(NetworkArchitecture architecture)
    {
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("inputs", architecture.InputSize);
            if (architecture.InputShape is { } inputShape)
            {
                WriteShape(writer, "input_shape", inputShape);
            }
            writer.WriteString("precision", typeof(T) == typeof(float) ? "single" : "double");
            writer.WriteString("loss", architecture.LossFunction is { } lossFunction ? lossFunction.ToString() : architecture.Loss.ToString());
            if (architecture.Loss == Loss.Huber)
            {
                writer.WriteNumber("huber_delta", architecture.HuberDelta);
            }

            writer.WriteStartArray("layers");
            foreach (var layer in architecture.Layers)
            {
                writer.WriteStartObject();
                writer.WriteString("name", layer.Name);
                writer.WriteNumber("width", layer.Width);
                writer.WriteString("activation", layer.Function is { } function ? function.ToString() : layer.Activation.ToString());
                if (layer.Activation == Activation.LeakyReLU)
                {
                    writer.WriteNumber("alpha", layer.Alpha);
                }

                // A Dense layer's text is as it was before other kinds existed, so its files keep their hash.
                if (layer.Kind != LayerKind.Dense)
                {
                    writer.WriteString("kind", layer.Kind.ToString());
                }

                if (layer.Kind is LayerKind.LayerNorm or LayerKind.BatchNorm)
                {
                    writer.WriteNumber("epsilon", layer.Epsilon);
                }

                if (layer.Kind == LayerKind.BatchNorm)
                {
                    writer.WriteNumber("momentum", layer.Momentum);
                }

                if (layer.Kind == LayerKind.Dropout)
                {
                    writer.WriteNumber("p", layer.P);
                }

                if (layer.Shape is { } shape)
                {
                    WriteShape(writer, "shape", shape);
                }

                if (layer.Kind is LayerKind.Conv2D or LayerKind.MaxPool2D or LayerKind.AvgPool2D)
                {
                    writer.WriteNumber("kernel", layer.KernelSize);
                    writer.WriteNumber("stride", layer.Stride);
                }

                if (layer.Kind == LayerKind.Conv2D)
                {
                    writer.WriteNumber("padding", layer.Padding);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteStartArray("skips");
            foreach (var skip in architecture.Skips)
            {
                writer.WriteStartObject();
                writer.WriteString("from", skip.From);
                writer.WriteString("to", skip.To);
                writer.WriteString("kind", skip.Kind.ToString());
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>SHA-256 of the canonical JSON, lower-case hex.</summary>
    public static string Hash(string json) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(json))).ToLowerInvariant();

    /// <summary>The PyTorch name of every block, in block order.</summary>
    public static string[] PyTorchNames(NetworkArchitecture architecture) => architecture.Blocks.Select(b => b.PyTorchName).ToArray();

    private static void WriteShape(Utf8JsonWriter writer, string name, IReadOnlyList<int> shape)
    {
        writer.WriteStartArray(name);
        foreach (int size in shape)
        {
            writer.WriteNumberValue(size);
        }

        writer.WriteEndArray();
    }
}
