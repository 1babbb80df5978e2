using System.IO.Compression;

namespace FashionMnist;

/// <summary>
/// The IDX format of MNIST and Fashion-MNIST: a 4-byte magic (0, 0, the element type, the number of
/// dimensions), each dimension as a big-endian 32-bit count, then the elements. Only unsigned bytes
/// (type 0x08) occur in these data sets. A file ending in .gz is decompressed on the fly.
/// </summary>
public static class Idx
{
    /// <summary>The dimensions and the bytes of an IDX file of unsigned bytes.</summary>
    /// <exception cref="InvalidDataException">Not an IDX file of unsigned bytes, or shorter than its header says.</exception>
    public static (int[] Dimensions, byte[] Data) Read(string path)
    {
        using var file = File.OpenRead(path);
        using Stream stream = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(file, CompressionMode.Decompress) : file;
        return Read(stream, path);
    }

    /// <summary>As <see cref="Read(string)"/>, from a stream; <paramref name="name"/> goes into error messages.</summary>
    public static (int[] Dimensions, byte[] Data) Read(Stream stream, string name)
    {
        var magic = ReadExactly(stream, 4, name, "the 4-byte magic number");
        if (magic[0] != 0 || magic[1] != 0)
        {
            throw new InvalidDataException($"{name} is not an IDX file: it starts with 0x{magic[0]:x2} 0x{magic[1]:x2}, not two zero bytes.");
        }

        if (magic[2] != 0x08)
        {
            throw new InvalidDataException($"{name} holds elements of type 0x{magic[2]:x2}; only unsigned bytes (0x08) are read.");
        }

        int rank = magic[3];
        if (rank is < 1 or > 4)
        {
            throw new InvalidDataException($"{name} says it has {rank} dimensions; expected 1 to 4.");
        }

        var header = ReadExactly(stream, 4 * rank, name, $"the {rank} dimension sizes");
        var dimensions = new int[rank];
        long count = 1;
        for (int i = 0; i < rank; i++)
        {
            dimensions[i] = header[4 * i] << 24 | header[4 * i + 1] << 16 | header[4 * i + 2] << 8 | header[4 * i + 3];
            if (dimensions[i] < 0)
            {
                throw new InvalidDataException($"{name}: dimension {i} is {dimensions[i]}.");
            }

            count *= dimensions[i];
        }

        if (count > Array.MaxLength)
        {
            throw new InvalidDataException($"{name}: {count} elements are more than one array holds.");
        }

        var data = ReadExactly(stream, (int)count, name, $"{string.Join(" × ", dimensions)} = {count} bytes of data");
        return (dimensions, data);
    }

    private static byte[] ReadExactly(Stream stream, int length, string name, string what)
    {
        var buffer = new byte[length];
        int read = 0;
        while (read < length)
        {
            int n = stream.Read(buffer, read, length - read);
            if (n == 0)
            {
                throw new InvalidDataException($"{name} is truncated: it ends after {read} of the {length} bytes of {what}.");
            }

            read += n;
        }

        return buffer;
    }
}
