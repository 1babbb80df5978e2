using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace SkipNet;

/// <summary>One tensor of a safetensors file: its name, dtype, shape and the byte range of its data.</summary>
internal sealed record SafeTensor(string Name, string DType, long[] Shape, long Begin, long End)
{
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}

/// <summary>A safetensors header, checked: every tensor's range fits its dtype and shape, and the ranges tile the data.</summary>
internal sealed record SafeTensorsHeader(IReadOnlyDictionary<string, string> Metadata, IReadOnlyList<SafeTensor> Tensors, long DataLength)
{
    public SafeTensor? Find(string name)
    {
        foreach (var tensor in Tensors)
        {
            if (tensor.Name == name)
            {
                return tensor;
            }
        }

        return null;
    }
}

/// <summary>A tensor to write: name, dtype, shape and its little-endian bytes.</summary>
internal readonly record struct TensorData(string Name, string DType, long[] Shape, byte[] Bytes)
{
    /// <summary>The tensor of <paramref name="values"/>.</summary>
    /// <exception cref="InvalidOperationException">A float or double value is NaN or infinite: the loaders refuse such a file, so none is written.</exception>
    public static TensorData Of<T>(string name, long[] shape, ReadOnlySpan<T> values)
        where T : unmanaged
    {
        int bad = typeof(T) == typeof(double) ? NonFinite.IndexOf(MemoryMarshal.Cast<T, double>(values))
            : typeof(T) == typeof(float) ? NonFinite.IndexOf(MemoryMarshal.Cast<T, float>(values))
            : -1;
        if (bad >= 0)
        {
            double value = typeof(T) == typeof(double) ? MemoryMarshal.Cast<T, double>(values)[bad] : MemoryMarshal.Cast<T, float>(values)[bad];
            long cols = shape.Length == 2 ? shape[1] : 0;
            string where = cols > 0 ? $"[{bad / cols}, {bad % cols}]" : $"[{bad}]";
            throw new InvalidOperationException(
                $"Tensor '{name}' holds {value} at {where}: a file with a NaN or an infinity could not be loaded again, so nothing was written. Find where it came from with NonFinite.Find, or save an earlier state.");
        }

        return new(name, SafeTensors.DTypeOf<T>(), shape, SafeTensors.ToLittleEndian(values));
    }
}

/// <summary>
/// The safetensors format (https://github.com/huggingface/safetensors): an 8-byte little-endian
/// header length N, N bytes of JSON (per tensor: dtype, shape, data_offsets; optional
/// <c>__metadata__</c> of strings), then the tensors' little-endian bytes. Reading checks what the
/// reference implementation checks and refuses anything else with <see cref="InvalidDataException"/>.
/// </summary>
internal static class SafeTensors
{
    /// <summary>The reference implementation's limit on the header.</summary>
    public const int MaxHeaderLength = 100_000_000;

    private static readonly Dictionary<string, int> DTypeSizes = new()
    {
        ["BOOL"] = 1, ["U8"] = 1, ["I8"] = 1, ["F8_E5M2"] = 1, ["F8_E4M3"] = 1,
        ["I16"] = 2, ["U16"] = 2, ["F16"] = 2, ["BF16"] = 2,
        ["I32"] = 4, ["U32"] = 4, ["F32"] = 4,
        ["I64"] = 8, ["U64"] = 8, ["F64"] = 8,
    };

    public static string DTypeOf<T>() where T : unmanaged =>
        typeof(T) == typeof(double) ? "F64"
        : typeof(T) == typeof(float) ? "F32"
        : typeof(T) == typeof(int) ? "I32"
        : typeof(T) == typeof(long) ? "I64"
        : throw new NotSupportedException($"No safetensors dtype for {typeof(T).Name}.");

    public static byte[] ToLittleEndian<T>(ReadOnlySpan<T> values) where T : unmanaged
    {
        byte[] bytes = MemoryMarshal.AsBytes(values).ToArray();
        if (!BitConverter.IsLittleEndian)
        {
            Reverse(bytes, Marshal.SizeOf<T>());
        }

        return bytes;
    }

    /// <summary>Decodes a tensor's bytes into <paramref name="destination"/> (whose length is the tensor's).</summary>
    public static void FromLittleEndian<T>(ReadOnlySpan<byte> bytes, Span<T> destination) where T : unmanaged
    {
        var target = MemoryMarshal.AsBytes(destination);
        bytes.CopyTo(target);
        if (!BitConverter.IsLittleEndian)
        {
            Reverse(target, Marshal.SizeOf<T>());
        }
    }

    private static void Reverse(Span<byte> bytes, int size)
    {
        for (int i = 0; i + size <= bytes.Length; i += size)
        {
            bytes.Slice(i, size).Reverse();
        }
    }

    /// <summary>Writes a file: header padded with spaces to a multiple of 8 bytes, then the tensors in the given order.</summary>
    public static void Write(Stream stream, IReadOnlyDictionary<string, string>? metadata, IReadOnlyList<TensorData> tensors)
    {
        var json = new MemoryStream();
        using (var writer = new Utf8JsonWriter(json))
        {
            writer.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                writer.WriteStartObject("__metadata__");
                foreach (var (key, value) in metadata)
                {
                    writer.WriteString(key, value);
                }

                writer.WriteEndObject();
            }

            long offset = 0;
            foreach (var tensor in tensors)
            {
                writer.WriteStartObject(tensor.Name);
                writer.WriteString("dtype", tensor.DType);
                writer.WriteStartArray("shape");
                foreach (long dimension in tensor.Shape)
                {
                    writer.WriteNumberValue(dimension);
                }

                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                writer.WriteNumberValue(offset + tensor.Bytes.Length);
                writer.WriteEndArray();
                writer.WriteEndObject();
                offset += tensor.Bytes.Length;
            }

            writer.WriteEndObject();
        }

        while (json.Length % 8 != 0)
        {
            json.WriteByte((byte)' ');
        }

        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)json.Length);
        stream.Write(length);
        json.Position = 0;
        json.CopyTo(stream);
        foreach (var tensor in tensors)
        {
            stream.Write(tensor.Bytes);
        }
    }

    /// <summary>Reads and checks the header; the stream is left at the first byte of the data.</summary>
    /// <exception cref="InvalidDataException">The header is truncated, too long, not JSON, or not a valid safetensors header.</exception>
    public static SafeTensorsHeader ReadHeader(Stream stream)
    {
        Span<byte> prefix = stackalloc byte[8];
        int got = ReadUpTo(stream, prefix);
        if (got < 8)
        {
            throw new InvalidDataException($"Not a safetensors file: it is {got} bytes long, shorter than the 8-byte header length.");
        }

        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > MaxHeaderLength)
        {
            throw new InvalidDataException($"Not a safetensors file: its header length is {headerLength} bytes; the limit is {MaxHeaderLength}.");
        }

        if (stream.CanSeek && (long)headerLength > stream.Length - stream.Position)
        {
            throw new InvalidDataException($"The header length is {headerLength} bytes, past the end of the file ({stream.Length - stream.Position} bytes follow it).");
        }

        var header = new byte[headerLength];
        got = ReadUpTo(stream, header);
        if (got < header.Length)
        {
            throw new InvalidDataException($"The file ends inside its header: {got} of {headerLength} header bytes.");
        }

        if (header.Length == 0 || header[0] != (byte)'{')
        {
            throw new InvalidDataException("The header does not start with '{': this is not a safetensors file.");
        }

        if (!System.Text.Unicode.Utf8.IsValid(header))
        {
            throw new InvalidDataException("The header is not valid UTF-8 text.");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"The header is not valid JSON: {e.Message}", e);
        }

        using (document)
        {
            return Parse(document.RootElement);
        }
    }

    private static SafeTensorsHeader Parse(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException("The header is not a JSON object.");
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var tensors = new List<SafeTensor>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in root.EnumerateObject())
        {
            if (!names.Add(property.Name))
            {
                throw new InvalidDataException($"The header names '{property.Name}' twice.");
            }

            if (property.Name == "__metadata__")
            {
                if (property.Value.ValueKind != JsonValueKind.Object)
                {
                    throw new InvalidDataException("__metadata__ is not a JSON object of strings.");
                }

                foreach (var entry in property.Value.EnumerateObject())
                {
                    if (entry.Value.ValueKind != JsonValueKind.String || !metadata.TryAdd(entry.Name, entry.Value.GetString()!))
                    {
                        throw new InvalidDataException($"__metadata__ entry '{entry.Name}' is not a string, or appears twice.");
                    }
                }

                continue;
            }

            tensors.Add(Tensor(property.Name, property.Value));
        }

        // The ranges must tile [0, end) in order, with no gap and no overlap, as the reference implementation requires.
        tensors.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long position = 0;
        foreach (var tensor in tensors)
        {
            if (tensor.Begin != position)
            {
                throw new InvalidDataException($"Tensor '{tensor.Name}' starts at data byte {tensor.Begin}; the data before it ends at byte {position} (tensors must neither overlap nor leave gaps).");
            }

            position = tensor.End;
        }

        return new SafeTensorsHeader(metadata, tensors, position);
    }

    private static SafeTensor Tensor(string name, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object
            || !value.TryGetProperty("dtype", out var dtype) || dtype.ValueKind != JsonValueKind.String
            || !value.TryGetProperty("shape", out var shape) || shape.ValueKind != JsonValueKind.Array
            || !value.TryGetProperty("data_offsets", out var offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2)
        {
            throw new InvalidDataException($"Tensor '{name}' needs \"dtype\" (a string), \"shape\" (an array) and \"data_offsets\" (two numbers).");
        }

        string type = dtype.GetString()!;
        if (!DTypeSizes.TryGetValue(type, out int size))
        {
            throw new InvalidDataException($"Tensor '{name}' has the unknown dtype '{type}'.");
        }

        var dimensions = new long[shape.GetArrayLength()];
        long elements = 1;
        int d = 0;
        foreach (var dimension in shape.EnumerateArray())
        {
            if (dimension.ValueKind != JsonValueKind.Number || !dimension.TryGetInt64(out long n) || n < 0)
            {
                throw new InvalidDataException($"Tensor '{name}' has a shape entry that is not a whole number ≥ 0: {dimension.GetRawText()}.");
            }

            dimensions[d++] = n;
            elements = n == 0 || elements == 0 ? 0 : elements <= long.MaxValue / n ? elements * n : -1;
            if (elements < 0)
            {
                throw new InvalidDataException($"Tensor '{name}' has a shape too large to address.");
            }
        }

        long begin = Offset(name, offsets[0]), end = Offset(name, offsets[1]);
        if (end < begin || elements > (long.MaxValue / size) || end - begin != elements * size)
        {
            throw new InvalidDataException($"Tensor '{name}' ({type}, shape [{string.Join(", ", dimensions)}]) needs {elements}·{size} bytes; its data_offsets [{begin}, {end}] hold {end - begin}.");
        }

        return new SafeTensor(name, type, dimensions, begin, end);
    }

    private static long Offset(string name, JsonElement value) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out long n) && n >= 0
            ? n
            : throw new InvalidDataException($"Tensor '{name}' has a data offset that is not a whole number ≥ 0: {value.GetRawText()}.");

    /// <summary>
    /// Reads the data section that follows the header. A header that promises more data than the
    /// stream holds costs no more memory than the stream's length: a seekable stream is measured
    /// first, any other is read in chunks.
    /// </summary>
    /// <exception cref="InvalidDataException">The file ends before the data does (the message names the first tensor cut short), or the data exceeds 2 GB.</exception>
    public static byte[] ReadData(Stream stream, SafeTensorsHeader header)
    {
        if (header.DataLength > Array.MaxLength)
        {
            throw new InvalidDataException($"The file's tensors hold {header.DataLength} bytes; SkipNet reads files of up to {Array.MaxLength} bytes of tensors.");
        }

        long available = stream.CanSeek ? stream.Length - stream.Position : long.MaxValue;
        if (available < header.DataLength)
        {
            throw Truncated(header, available);
        }

        var data = new byte[stream.CanSeek ? header.DataLength : Math.Min(header.DataLength, 1 << 20)];
        long total = 0;
        while (total < header.DataLength)
        {
            if (total == data.Length)
            {
                Array.Resize(ref data, (int)Math.Min(header.DataLength, 2L * data.Length));
            }

            int n = stream.Read(data, (int)total, data.Length - (int)total);
            if (n == 0)
            {
                throw Truncated(header, total);
            }

            total += n;
        }

        return data;
    }

    private static InvalidDataException Truncated(SafeTensorsHeader header, long end)
    {
        var cut = header.Tensors[0];
        foreach (var tensor in header.Tensors)
        {
            if (tensor.End > end)
            {
                cut = tensor;
                break;
            }
        }

        return new InvalidDataException($"The file is truncated: tensor '{cut.Name}' needs data bytes up to {cut.End}, and the data ends at byte {end}.");
    }

    private static int ReadUpTo(Stream stream, Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = stream.Read(buffer.Slice(total));
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }

    /// <summary>The UTF-8 text of a metadata value, for messages: shortened past 200 characters.</summary>
    public static string Shorten(string text) => text.Length <= 200 ? text : text[..200] + "…";
}
