using System;
using System.Numerics;

namespace SkipNet.CompilerServices;

/// <summary>
/// The block sizes of the packed products (<see cref="Gemm"/>), derived from the core's caches
/// (<see cref="CpuCaches"/>) rather than fixed for one CPU. A block size decides only which part
/// of a product is in which cache when: every element is still one chain of fused multiply-adds in
/// the order of k, so the results are the same bits whatever the sizes (tested).
/// </summary>
/// <param name="PanelRows256">Rows of k per packed panel of the 256-bit products (dH and the forward pass): the three-vector panel and the four rows of A beside it fill about <see cref="L1Share"/> of the L1.</param>
/// <param name="PanelRows512">As <paramref name="PanelRows256"/> for the 512-bit products' panel and the eight rows of A beside it.</param>
/// <param name="TnColumns">Columns per packed block of B in dW (<see cref="TnRows"/> rows of k each), at <see cref="L2Share"/> of the L2 in double.</param>
/// <remarks>
/// The shares are the best of `dotnet run -c Release --project benchmarks/SkipNet.Benchmarks -- blocks`
/// on a Zen 5 EPYC (48 KiB L1, 1 MiB L2), which times the products and whole training steps at the
/// derived sizes and at the powers of two around them: there twice the earlier fixed 64 panel rows
/// (512-bit) and 512 columns made mlp-512's step 1–2 % faster and the Fashion MLP's first dW 9 %.
/// On a CPU with a 32 KiB L1 they give half those panel rows; with a 2 MiB L2, twice the columns.
/// </remarks>
internal readonly record struct Blocking(int PanelRows256, int PanelRows512, int TnColumns)
{
    /// <summary>Share of the L1 for a packed panel and the rows of A beside it.</summary>
    public const double L1Share = 2.0 / 3;

    /// <summary>Share of the L2 for dW's packed block of B.</summary>
    public const double L2Share = 1.0 / 2;

    /// <summary>Rows of k per packed block of dW's B: the rows of Aᵀ beside it stay in L1.</summary>
    public const int TnRows = 64;

    /// <summary>The sizes in force: <see cref="For"/> this machine's caches (tests set others).</summary>
    public static Blocking Current { get; set; } = For(CpuCaches.Current);

    /// <summary>
    /// The sizes for <paramref name="caches"/>: each block the largest power of two whose data fits
    /// its share of the cache, within bounds that keep the stack buffers small and the blocks useful.
    /// Double's element size decides (float's blocks hold the same number of elements in half the bytes).
    /// </summary>
    public static Blocking For(CpuCaches caches)
    {
        // A k-row of a three-vector panel plus a k-column of the rows of A it meets, in bytes (double).
        const int row256 = (3 * 4 + 4) * sizeof(double), row512 = (3 * 8 + 8) * sizeof(double);
        // The bounds keep the stack buffers (a panel) within 48 KiB and the scratch within 2 MiB.
        return new Blocking(
            PanelRows256: PowerOfTwoIn((int)(caches.L1Data * L1Share / row256), 32, 512),
            PanelRows512: PowerOfTwoIn((int)(caches.L1Data * L1Share / row512), 16, 256),
            TnColumns: PowerOfTwoIn((int)(caches.L2 * L2Share / (TnRows * sizeof(double))), 128, 4096));
    }

    private static int PowerOfTwoIn(int value, int min, int max) =>
        Math.Clamp(value <= 0 ? min : (int)BitOperations.RoundUpToPowerOf2((uint)value + 1) / 2, min, max);
}
