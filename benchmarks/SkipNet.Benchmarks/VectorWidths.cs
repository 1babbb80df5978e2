using System.Diagnostics;
using System.Reflection;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using SkipNet;
using SkipNet.CompilerServices;

namespace SkipNet.Benchmarks;

/// <summary>
/// `-- widths`: each product at 512×512×32 on one thread, with 256-bit vectors only and with
/// 512-bit ones, alternated every 80 ms (the internal switch Gemm.UseVector512, reached by
/// reflection), on buffers aligned as a network holds them; medians of 10 rounds after 2 of warm-up, in GFLOP/s, with the 512-bit FMA peak measured in
/// the same rounds (12 independent chains; float's is twice double's) and each product's share of it.
/// The last two rows run dH and dW on a W of 512 × 96 (384 KiB, which stays in the 1 MiB L2, where
/// 512 × 512 does not): the same panels, without W streaming from beyond the L2.
/// </summary>
internal static class VectorWidths
{
    private const int PeakIterations = 1 << 14;

    private static readonly PropertyInfo Wide = typeof(Parallelism).Assembly.GetType("SkipNet.CompilerServices.Gemm")!.GetProperty("UseVector512", BindingFlags.Static | BindingFlags.NonPublic)!;

    public static void Run()
    {
        Console.WriteLine("product            | 256-bit        | 512-bit        | in-run 512-bit peak | 512-bit share");
        foreach (var (name, product, productFlop, single) in Products())
        {
            // The peak in the same rounds: the machine's speed drifts, the share should not.
            var medians = Alternation.Medians(
            [
                (() => { }, () => FmaPeak.Run512(PeakIterations)),
                (() => Wide.SetValue(null, false), product),
                (() => Wide.SetValue(null, true), product),
            ], milliseconds: 80);
            double peakFlop = (double)PeakIterations * FmaPeak.Chains * Vector512<double>.Count * 2;
            double peak = peakFlop / medians[0] / 1000 * (single ? 2 : 1);
            double narrowRate = productFlop / medians[1] / 1000, wideRate = productFlop / medians[2] / 1000;
            Console.WriteLine($"{name,-18} | {narrowRate,6:F1} GFLOP/s | {wideRate,6:F1} GFLOP/s | {peak,7:F1} GFLOP/s       | {wideRate / peak,6:P0}");
        }

        Wide.SetValue(null, true);
    }

    /// <summary>The share of the in-run peak every product should reach on any CPU (docs/performance.md's target).</summary>
    public const double TargetShare = 0.70;

    /// <summary>
    /// For scripts/bench-peers.sh: each product at the widest vectors this CPU runs (as networks run
    /// them), against the in-run FMA peak of that width, as Markdown rows: product, GFLOP/s, peak, share,
    /// and whether the share reaches <see cref="TargetShare"/>.
    /// </summary>
    public static IEnumerable<string> ShareRows()
    {
        bool wide = Avx512F.IsSupported && Vector512.IsHardwareAccelerated;
        int lanes = wide ? Vector512<double>.Count : Vector256<double>.Count;
        double peakFlop = (double)PeakIterations * FmaPeak.Chains * lanes * 2;
        Action peakRun = wide ? () => FmaPeak.Run512(PeakIterations) : () => FmaPeak.Run256(PeakIterations);
        foreach (var (name, product, productFlop, single) in Products())
        {
            var medians = Alternation.Medians([(() => { }, peakRun), (() => { }, product)], milliseconds: 80);
            double peak = peakFlop / medians[0] / 1000 * (single ? 2 : 1), rate = productFlop / medians[1] / 1000;
            yield return $"| {name}, {(wide ? 512 : 256)}-bit | {rate:F1} GFLOP/s | {peak:F1} GFLOP/s | {rate / peak:P1} | {(rate >= TargetShare * peak ? "met" : "**missed**")} |";
        }
    }

    /// <summary>Each product at 512×512×32 on one thread, on buffers aligned as a network holds them; the last two on a W of 512 × 96 that stays in the L2.</summary>
    private static List<(string Name, Action Product, double Flop, bool Single)> Products()
    {
        const int n = 512, k = 512, batch = 32;
        var random = new Random(1);
        double[] D(int length) => Enumerable.Range(0, length).Select(_ => random.NextDouble()).ToArray();
        float[] S(int length) => Enumerable.Range(0, length).Select(_ => (float)random.NextDouble()).ToArray();
        AlignedArray<T> A<T>(T[] values) where T : unmanaged // every buffer starts on a cache line, as in a network
        {
            var aligned = new AlignedArray<T>(values.Length);
            values.CopyTo(aligned.Span);
            return aligned;
        }

        Parallelism.MaxDegreeOfParallelism = 1;
        var (w, h, dz, dw, z) = (A(D(n * k)), A(D(batch * k)), A(D(batch * n)), A(D(n * k)), A(D(batch * n)));
        var (wf, hf, dzf, dwf, zf) = (A(S(n * k)), A(S(batch * k)), A(S(batch * n)), A(S(n * k)), A(S(batch * n)));
        const int narrow = 96;
        var (wn, hn, dwn) = (A(D(n * narrow)), A(D(batch * narrow)), A(D(n * narrow)));
        var step = GradientWrite<double>.TrainStep(1e-9);
        var stepf = GradientWrite<float>.TrainStep(1e-9f);
        const double full = 2.0 * n * k * batch, inL2 = 2.0 * n * narrow * batch;
        return
        [
            ("dH double", () => Kernels.TransposeMultiplyAdd<double>(w.Span, dz.Span, h.Span, batch), full, false),
            ("dH float", () => Kernels.TransposeMultiplyAdd<float>(wf.Span, dzf.Span, hf.Span, batch), full, true),
            ("dW+step double", () => Kernels.WeightGradient<double>(dz.Span, h.Span, dw.Span, w.Span, batch, step), full, false),
            ("dW+step float", () => Kernels.WeightGradient<float>(dzf.Span, hf.Span, dwf.Span, wf.Span, batch, stepf), full, true),
            ("forward double", () => Kernels.MultiplyAdd<double>(w.Span, h.Span, z.Span, batch), full, false),
            ("forward float", () => Kernels.MultiplyAdd<float>(wf.Span, hf.Span, zf.Span, batch), full, true),
            ("dH, W in L2", () => Kernels.TransposeMultiplyAdd<double>(wn.Span, dz.Span, hn.Span, batch), inL2, false),
            ("dW+step, W in L2", () => Kernels.WeightGradient<double>(dz.Span, hn.Span, dwn.Span, wn.Span, batch, step), inL2, false),
        ];
    }
}
