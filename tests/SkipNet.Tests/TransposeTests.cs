namespace SkipNet.Tests;

/// <summary>
/// The forward product's transposed copies (H's rows into the panel's columns, Zᵀ added back into
/// Z): register tiles where the CPU has AVX-512, one element at a time at the edges and elsewhere.
/// </summary>
[Collection(nameof(ParallelismTests))] // switches the tiles off and on
public sealed class TransposeTests
{
    public static TheoryData<int, int> Shapes() => new()
    {
        { 1, 1 }, { 7, 16 }, { 16, 16 }, { 16, 7 }, { 17, 33 }, { 32, 48 }, { 48, 256 }, { 50, 70 }, { 8, 9 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void CopyAndAddPutEveryElementInItsTransposedPlace(int rows, int columns)
    {
        Check<float>(rows, columns);
        Check<double>(rows, columns);
    }

    private static void Check<T>(int rows, int columns)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        // Strides wider than the rows, as the panels' and Z's are; every element distinct.
        int lds = columns + 3, ldd = rows + 5;
        var random = new Random(rows * 100 + columns);
        var source = Enumerable.Range(0, rows * lds).Select(_ => T.CreateTruncating(random.NextDouble() - 0.5)).ToArray();
        var start = Enumerable.Range(0, columns * ldd).Select(_ => T.CreateTruncating(random.NextDouble() - 0.5)).ToArray();
        foreach (bool tiles in new[] { true, false })
        {
            var copied = (T[])start.Clone();
            var added = (T[])start.Clone();
            KernelSwitches.Run(() => Transpose.UseVectors = tiles, () =>
            {
                Transpose.Copy(ref source[0], lds, ref copied[0], ldd, rows, columns);
                Transpose.Add(ref source[0], lds, ref added[0], ldd, rows, columns);
                return 0;
            });

            for (int c = 0; c < columns; c++)
            {
                for (int r = 0; r < ldd; r++)
                {
                    // Inside the block each element is the source's transposed one; the stride's padding is untouched.
                    var expected = r < rows ? source[r * lds + c] : start[c * ldd + r];
                    copied[c * ldd + r].ShouldBe(expected, $"copy [{c}, {r}] of {rows}×{columns} {typeof(T).Name}, tiles {tiles}");
                    added[c * ldd + r].ShouldBe(r < rows ? start[c * ldd + r] + source[r * lds + c] : expected, $"add [{c}, {r}] of {rows}×{columns} {typeof(T).Name}, tiles {tiles}");
                }
            }
        }
    }

    [Theory]
    [InlineData(32, 256, 784)] // the Fashion MLP's chunk
    [InlineData(48, 40, 100)]  // three-vector panels; k not a whole number of tiles
    [InlineData(37, 20, 33)]   // samples past the last whole tile
    public void TheForwardProductIsTheSameWithOrWithoutTiles(int batch, int outputs, int inputs)
    {
        Forward<float>(batch, outputs, inputs);
        Forward<double>(batch, outputs, inputs);
    }

    private static void Forward<T>(int batch, int outputs, int inputs)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var layer = new DenseProducts<T>(batch, outputs, inputs, seed: batch + outputs);
        layer.Run(() => Transpose.UseVectors = false).ShouldBeSameAs(layer.Run(() => Transpose.UseVectors = true), "with tiles off");
    }
}
