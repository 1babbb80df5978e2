using System.IO.Compression;
using FashionMnist;

namespace SkipNet.Tests;

/// <summary>The Fashion-MNIST sample's IDX reader, on tiny files written here (the real data is never needed).</summary>
public class IdxTests
{
    private static byte[] File(byte type, int[] dimensions, int dataBytes)
    {
        var bytes = new List<byte> { 0, 0, type, (byte)dimensions.Length };
        foreach (int d in dimensions)
        {
            bytes.AddRange([(byte)(d >> 24), (byte)(d >> 16), (byte)(d >> 8), (byte)d]);
        }

        bytes.AddRange(Enumerable.Range(0, dataBytes).Select(i => (byte)(i * 7)));
        return bytes.ToArray();
    }

    [Fact]
    public void ImagesAndLabelsAreRead()
    {
        var (dimensions, data) = Idx.Read(new MemoryStream(File(0x08, [3, 2, 2], 12)), "images");
        dimensions.ShouldBe([3, 2, 2]);
        data.ShouldBe(Enumerable.Range(0, 12).Select(i => (byte)(i * 7)).ToArray());

        string path = Path.Combine(Path.GetTempPath(), $"labels-{Guid.NewGuid():N}.gz");
        try
        {
            using (var gzip = new GZipStream(System.IO.File.Create(path), CompressionLevel.Fastest))
            {
                gzip.Write(File(0x08, [5], 5));
            }

            Idx.Read(path).Data.Length.ShouldBe(5);
        }
        finally
        {
            System.IO.File.Delete(path);
        }
    }

    [Theory]
    [InlineData("not IDX", "is not an IDX file")]
    [InlineData("floats", "only unsigned bytes")]
    [InlineData("rank 0", "has 0 dimensions")]
    [InlineData("short header", "is truncated: it ends after 4 of the 8 bytes of the 2 dimension sizes")]
    [InlineData("short data", "is truncated: it ends after 10 of the 12 bytes of 3 × 2 × 2 = 12 bytes of data")]
    [InlineData("empty", "is truncated: it ends after 0 of the 4 bytes of the 4-byte magic number")]
    public void MalformedFilesGetClearErrors(string what, string message)
    {
        byte[] bytes = what switch
        {
            "not IDX" => [0x1f, 0x8b, 8, 0],
            "floats" => File(0x0D, [2], 8),
            "rank 0" => [0, 0, 8, 0],
            "short header" => File(0x08, [2, 2], 4)[..8],
            "short data" => File(0x08, [3, 2, 2], 10),
            _ => [],
        };
        Should.Throw<InvalidDataException>(() => Idx.Read(new MemoryStream(bytes), "file")).Message.ShouldContain(message);
    }
}
