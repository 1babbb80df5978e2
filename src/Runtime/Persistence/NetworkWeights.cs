using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Numerics;
using System.Reflection;

namespace SkipNet;

/// <summary>The tensor names a weights file uses.</summary>
public enum WeightNames
{
    /// <summary>SkipNet's block names: <c>h0.W</c>, <c>h0.b</c>, <c>h0->y.S</c>.</summary>
    SkipNet = 0,

    /// <summary>
    /// The <c>state_dict</c> names of the equivalent PyTorch module (<see cref="NetworkArchitecture.ToPyTorch"/>):
    /// <c>h0.weight</c>, <c>h0.bias</c>, and <c>a_to_b.weight</c> for a weighted skip from a to b.
    /// </summary>
    PyTorch = 1,
}

/// <summary>
/// Saves and loads a network's weights as safetensors, the format PyTorch users share weights in
/// (https://github.com/huggingface/safetensors): W and S as 2-D tensors [rows, cols] (PyTorch's
/// <c>nn.Linear.weight</c> layout), b as 1-D, F64 or F32 by precision, and the declaration and its
/// SHA-256 in <c>__metadata__</c>.
/// </summary>
/// <remarks>
/// Loading reads the whole file into a staging buffer and checks every tensor before it copies
/// anything into the network: after any refusal the network is unchanged. Saving to a path writes a
/// temporary file beside it and renames it over the path, so a crash never leaves half a file.
/// Files written by PyTorch (<c>safetensors.torch.save_file(module.state_dict(), path)</c>) load
/// too: with no SkipNet metadata, tensors are matched by name (either convention) and shape.
/// Loading writes <see cref="IResidualNetwork{T}.Parameters"/> as a training call would: not while
/// another thread trains or runs the same instance.
/// </remarks>
public static class NetworkWeights
{
    internal const string ArchitectureKey = "skipnet.architecture";
    internal const string HashKey = "skipnet.architecture_sha256";
    internal const string VersionKey = "skipnet.version";
    internal const string KindKey = "skipnet.kind";

    /// <summary>Saves the weights to <paramref name="path"/> (conventionally <c>*.safetensors</c>), replacing the file atomically.</summary>
    /// <param name="network">The network.</param>
    /// <param name="path">The file to write.</param>
    /// <param name="names">The tensor names: SkipNet's (the default) or PyTorch's.</param>
    public static void SaveWeights<T>(this IResidualNetwork<T> network, string path, WeightNames names = WeightNames.SkipNet)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        var tensors = WeightTensors(network, names);
        var metadata = Metadata(network, "weights");
        AtomicFile.Write(path, stream => SafeTensors.Write(stream, metadata, tensors));
    }

    /// <summary>Writes the weights to <paramref name="stream"/> as a safetensors file.</summary>
    /// <param name="network">The network.</param>
    /// <param name="stream">A writable stream; left open.</param>
    /// <param name="names">The tensor names: SkipNet's (the default) or PyTorch's.</param>
    public static void SaveWeights<T>(this IResidualNetwork<T> network, Stream stream, WeightNames names = WeightNames.SkipNet)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(stream);
        SafeTensors.Write(stream, Metadata(network, "weights"), WeightTensors(network, names));
    }

    /// <summary>Loads the weights from a safetensors file written by <see cref="SaveWeights{T}(IResidualNetwork{T}, string, WeightNames)"/> or by PyTorch.</summary>
    /// <exception cref="InvalidDataException">The file is not a valid safetensors file, or does not hold exactly this network's tensors (names, shapes, dtype, finite values) or architecture; the message names the tensor and what was expected. The network is unchanged.</exception>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    public static void LoadWeights<T>(this IResidualNetwork<T> network, string path)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        LoadWeights(network, file);
    }

    /// <summary>Loads the weights from a stream holding a safetensors file.</summary>
    /// <exception cref="InvalidDataException">The data is not a valid safetensors file, or does not hold exactly this network's tensors or architecture. The network is unchanged.</exception>
    public static void LoadWeights<T>(this IResidualNetwork<T> network, Stream stream)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(stream);
        var file = WeightsFile.Read(stream, network);
        var staging = file.Weights(network);
        var (buffers, counters) = file.Buffers(network);
        file.CheckNothingElse(file.IsCheckpoint ? Checkpoint.StatePrefixes : []);
        staging.CopyTo(network.Parameters);
        buffers.CopyTo(network.Buffers);
        counters.CopyTo(network.BatchesTracked);
    }

    /// <summary>The weight tensors, one per block, in block order.</summary>
    internal static List<TensorData> WeightTensors<T>(IResidualNetwork<T> network, WeightNames names)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var architecture = network.Architecture;
        string[] tensorNames = names switch
        {
            WeightNames.SkipNet => architecture.Blocks.Select(b => b.Name).ToArray(),
            WeightNames.PyTorch => ArchitectureText.PyTorchNames(architecture),
            _ => throw new ArgumentOutOfRangeException(nameof(names), names, "Expected WeightNames.SkipNet or WeightNames.PyTorch."),
        };
        ReadOnlySpan<T> parameters = network.Parameters;
        var tensors = new List<TensorData>(architecture.Blocks.Count);
        for (int i = 0; i < tensorNames.Length; i++)
        {
            var block = architecture.Blocks[i];
            tensors.Add(TensorData.Of(tensorNames[i], architecture.TensorShape(block), block.Of(parameters)));
        }

        // The buffers, by PyTorch's names in both conventions: running statistics, then the batch counts.
        ReadOnlySpan<T> buffers = network.Buffers;
        foreach (var buffer in architecture.Buffers)
        {
            tensors.Add(TensorData.Of(buffer.Name, [buffer.Rows], buffer.Of(buffers)));
        }

        var layers = architecture.BatchNormLayers;
        for (int i = 0; i < layers.Count; i++)
        {
            tensors.Add(TensorData.Of<long>(layers[i] + ".num_batches_tracked", [], [network.BatchesTracked[i]]));
        }

        return tensors;
    }

    internal static Dictionary<string, string> Metadata<T>(IResidualNetwork<T> network, string kind)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        string json = ArchitectureText.Json<T>(network.Architecture);
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [KindKey] = kind,
            [ArchitectureKey] = json,
            [HashKey] = ArchitectureText.Hash(json),
            [VersionKey] = typeof(NetworkWeights).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown",
        };
    }
}

/// <summary>A safetensors file read into memory and checked against a network, for loading weights and checkpoints.</summary>
internal sealed class WeightsFile
{
    private readonly SafeTensorsHeader _header;
    private readonly byte[] _data;
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    private WeightsFile(SafeTensorsHeader header, byte[] data)
    {
        _header = header;
        _data = data;
    }

    public IReadOnlyDictionary<string, string> Metadata => _header.Metadata;

    /// <summary>Whether the file is a training checkpoint (weights and training state).</summary>
    public bool IsCheckpoint => _header.Metadata.TryGetValue(NetworkWeights.KindKey, out string? kind) && kind == Checkpoint.Kind;

    /// <summary>Reads the file and checks its recorded architecture (if any) against the network's.</summary>
    public static WeightsFile Read<T>(Stream stream, IResidualNetwork<T> network)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var header = SafeTensors.ReadHeader(stream);
        string ours = ArchitectureText.Json<T>(network.Architecture);
        if (header.Metadata.TryGetValue(NetworkWeights.ArchitectureKey, out string? theirs) && theirs != ours)
        {
            throw new InvalidDataException(
                $"The file holds weights for another architecture.{Environment.NewLine}  file:    {SafeTensors.Shorten(theirs)}{Environment.NewLine}  network: {SafeTensors.Shorten(ours)}");
        }

        if (header.Metadata.TryGetValue(NetworkWeights.HashKey, out string? hash) && hash != ArchitectureText.Hash(theirs ?? ours))
        {
            throw new InvalidDataException(
                theirs is null
                    ? $"The file's architecture hash {SafeTensors.Shorten(hash)} is not this network's ({ArchitectureText.Hash(ours)}): the weights are for another architecture."
                    : $"The file's architecture hash {SafeTensors.Shorten(hash)} does not match the architecture it records: the file is damaged.");
        }

        return new WeightsFile(header, SafeTensors.ReadData(stream, header));
    }

    /// <summary>The network's weights, from the file into a new staging array (SkipNet's names, else PyTorch's).</summary>
    public T[] Weights<T>(IResidualNetwork<T> network)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var architecture = network.Architecture;
        var blocks = architecture.Blocks;
        bool skipNetNames = blocks.Any(b => _header.Find(b.Name) is not null);
        string[] names = skipNetNames || blocks.Count == 0 ? blocks.Select(b => b.Name).ToArray() : ArchitectureText.PyTorchNames(architecture);
        if (!skipNetNames && blocks.Count > 0 && !names.Any(n => _header.Find(n) is not null))
        {
            throw new InvalidDataException(
                $"The file holds none of this network's tensors: expected '{blocks[0].Name}' (or PyTorch's '{names[0]}'), …; it holds {Listing()}.");
        }

        var staging = new T[network.ParameterCount];
        for (int i = 0; i < blocks.Count; i++)
        {
            Read(names[i], architecture.TensorShape(blocks[i]), blocks[i].Of(staging.AsSpan()));
        }

        return staging;
    }

    /// <summary>The network's buffers and batch counts, from the file into new staging arrays.</summary>
    public (T[] Buffers, long[] Counters) Buffers<T>(IResidualNetwork<T> network)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var architecture = network.Architecture;
        var buffers = new T[network.Buffers.Length];
        foreach (var buffer in architecture.Buffers)
        {
            Read(buffer.Name, [buffer.Rows], buffer.Of(buffers.AsSpan()));
        }

        var layers = architecture.BatchNormLayers;
        var counters = new long[layers.Count];
        Span<long> count = stackalloc long[1];
        for (int i = 0; i < layers.Count; i++)
        {
            string name = layers[i] + ".num_batches_tracked";
            var tensor = _header.Find(name)
                ?? throw new InvalidDataException($"The file has no tensor '{name}' (expected I64 []); it holds {Listing()}.");
            if (tensor.DType != "I64" || tensor.Shape.Length != 0)
            {
                throw new InvalidDataException($"Tensor '{name}' is {tensor.DType} {tensor.ShapeText}; expected I64 [] (a count).");
            }

            SafeTensors.FromLittleEndian(_data.AsSpan((int)tensor.Begin, (int)(tensor.End - tensor.Begin)), count);
            counters[i] = count[0] >= 0 ? count[0] : throw new InvalidDataException($"Tensor '{name}' holds {count[0]}; a count of batches is ≥ 0.");
            _used.Add(name);
        }

        foreach (var buffer in architecture.Buffers.Where(b => b.Name.EndsWith(".running_var", StringComparison.Ordinal)))
        {
            foreach (var v in buffer.Of<T>(buffers))
            {
                if (v < T.Zero)
                {
                    throw new InvalidDataException($"Tensor '{buffer.Name}' holds {v}; a variance is ≥ 0.");
                }
            }
        }

        return (buffers, counters);
    }

    /// <summary>Decodes tensor <paramref name="name"/>, which must have the given shape and T's dtype and hold finite values.</summary>
    public void Read<T>(string name, long[] shape, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        string dtype = SafeTensors.DTypeOf<T>();
        string expected = $"{dtype} [{string.Join(", ", shape)}]";
        var tensor = _header.Find(name)
            ?? throw new InvalidDataException($"The file has no tensor '{name}' (expected {expected}); it holds {Listing()}.");
        if (tensor.DType != dtype)
        {
            throw new InvalidDataException(
                $"Tensor '{name}' is {tensor.DType}; this network is {(typeof(T) == typeof(float) ? "float" : "double")}, so it needs {expected} (in PyTorch, convert with .{(typeof(T) == typeof(float) ? "float" : "double")}() before saving).");
        }

        if (!tensor.Shape.AsSpan().SequenceEqual(shape))
        {
            throw new InvalidDataException($"Tensor '{name}' has shape {tensor.ShapeText}; expected {expected}.");
        }

        SafeTensors.FromLittleEndian(_data.AsSpan((int)tensor.Begin, (int)(tensor.End - tensor.Begin)), destination);
        for (int i = 0; i < destination.Length; i++)
        {
            if (!T.IsFinite(destination[i]))
            {
                throw new InvalidDataException($"Tensor '{name}' holds {destination[i]} at index {i}: weights and training state must be finite.");
            }
        }

        _used.Add(name);
    }

    /// <summary>Decodes an I32 tensor holding a permutation of 0..length − 1.</summary>
    public void ReadIndices(string name, Span<int> destination)
    {
        var tensor = _header.Find(name)
            ?? throw new InvalidDataException($"The file has no tensor '{name}' (expected I32 [{destination.Length}]).");
        if (tensor.DType != "I32" || tensor.Shape.Length != 1 || tensor.Shape[0] != destination.Length)
        {
            throw new InvalidDataException($"Tensor '{name}' is {tensor.DType} {tensor.ShapeText}; expected I32 [{destination.Length}].");
        }

        SafeTensors.FromLittleEndian(_data.AsSpan((int)tensor.Begin, (int)(tensor.End - tensor.Begin)), destination);
        var seen = new bool[destination.Length];
        foreach (int index in destination)
        {
            if ((uint)index >= (uint)destination.Length || seen[index])
            {
                throw new InvalidDataException($"Tensor '{name}' is not a permutation of 0..{destination.Length - 1}: it holds {index} {((uint)index >= (uint)destination.Length ? "(out of range)" : "twice")}.");
            }

            seen[index] = true;
        }

        _used.Add(name);
    }

    /// <summary>The number of elements of a one-dimensional tensor, or −1 when there is none of that name and rank.</summary>
    public long LengthOf(string name) => _header.Find(name) is { Shape: [long length] } ? length : -1;

    /// <summary>Whether the file has a tensor of that name.</summary>
    public bool Has(string name) => _header.Find(name) is not null;

    /// <summary>Refuses tensors nobody read, except those under the given prefixes (a checkpoint's training state, when only weights are loaded).</summary>
    public void CheckNothingElse(string[] prefixes)
    {
        foreach (var tensor in _header.Tensors)
        {
            if (!_used.Contains(tensor.Name) && !prefixes.Any(p => tensor.Name.StartsWith(p, StringComparison.Ordinal)))
            {
                throw new InvalidDataException($"The file has a tensor '{tensor.Name}' ({tensor.DType} {tensor.ShapeText}) that this network does not have.");
            }
        }
    }

    private string Listing()
    {
        if (_header.Tensors.Count == 0)
        {
            return "no tensors";
        }

        var names = _header.Tensors.Take(8).Select(t => $"'{t.Name}'");
        return string.Join(", ", names) + (_header.Tensors.Count > 8 ? $", … ({_header.Tensors.Count} in all)" : "");
    }
}
