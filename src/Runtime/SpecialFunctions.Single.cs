using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SkipNet;

/// <summary>erf in float, for GELU in float networks (as PyTorch and ONNX Runtime compute it).</summary>
public static partial class SpecialFunctions
{
    /// <summary>
    /// The error function in float, faithfully rounded (within one unit in the last place of the
    /// exact value) over the whole line: below 0.5, x + x·p(x²) with p of degree 4; from 0.5 to 4,
    /// one polynomial of degree 6 per interval of 0.25; beyond 4, ±1 (erf rounds to 1 in float from
    /// 3.87). Plain float multiplications and additions (no fused ones), so the vector forms below
    /// give the same bits on every CPU. scripts/erf-single-coefficients.py derives the coefficients.
    /// </summary>
    internal static float ErfSingle(float x)
    {
        float ax = MathF.Abs(x);
        if (ax < 0.5f)
        {
            float z = x * x;
            var series = ErfSingleSeries;
            float p = series[^1];
            for (int i = series.Length - 2; i >= 0; i--)
            {
                p = p * z + series[i];
            }

            return x + x * p;
        }

        if (!(ax < SingleEnd))
        {
            return float.IsNaN(x) ? x : MathF.CopySign(1f, x);
        }

        int piece = (int)((ax - 0.5f) * 4f);
        float t = (ax - (0.625f + 0.25f * piece)) * 8f;
        ref float row = ref MemoryMarshal.GetArrayDataReference(ErfSinglePiecesByPower);
        float sum = Unsafe.Add(ref row, (SinglePieceLength - 1) * SinglePaddedPieces + piece);
        for (int k = SinglePieceLength - 2; k >= 0; k--)
        {
            sum = sum * t + Unsafe.Add(ref row, k * SinglePaddedPieces + piece);
        }

        return MathF.CopySign(sum, x);
    }

    /// <summary><see cref="ErfSingle(float)"/> of sixteen lanes at once, bit for bit: each coefficient picked from one register by a permute.</summary>
    internal static Vector512<float> ErfVector(Vector512<float> x)
    {
        var ax = Vector512.Abs(x);
        var z = x * x;
        var series = ErfSingleSeries;
        var p = Vector512.Create(series[^1]);
        for (int i = series.Length - 2; i >= 0; i--)
        {
            p = p * z + Vector512.Create(series[i]);
        }

        var small = x + x * p;

        var piece = Vector512.Floor(Vector512.Min(Vector512.Max((ax - Vector512.Create(0.5f)) * Vector512.Create(4f), Vector512<float>.Zero), Vector512.Create(13f)));
        var t = (ax - (Vector512.Create(0.625f) + Vector512.Create(0.25f) * piece)) * Vector512.Create(8f);
        var index = Avx512F.ConvertToVector512Int32WithTruncation(piece);
        ref float row = ref MemoryMarshal.GetArrayDataReference(ErfSinglePiecesByPower);
        var sum = Avx512F.PermuteVar16x32(Vector512.LoadUnsafe(ref row, (SinglePieceLength - 1) * SinglePaddedPieces), index);
        for (int k = SinglePieceLength - 2; k >= 0; k--)
        {
            sum = sum * t + Avx512F.PermuteVar16x32(Vector512.LoadUnsafe(ref row, (nuint)(k * SinglePaddedPieces)), index);
        }

        var sign = x & Vector512.Create(-0f);
        var result = Vector512.ConditionalSelect(Vector512.LessThan(ax, Vector512.Create(SingleEnd)), sum | sign, Vector512.Create(1f) | sign);
        result = Vector512.ConditionalSelect(Vector512.LessThan(ax, Vector512.Create(0.5f)), small, result);
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), result, x);
    }

    /// <summary><see cref="ErfSingle(float)"/> of eight lanes at once, bit for bit: the coefficients gathered per lane (AVX2).</summary>
    internal static unsafe Vector256<float> ErfVector(Vector256<float> x)
    {
        var ax = Vector256.Abs(x);
        var z = x * x;
        var series = ErfSingleSeries;
        var p = Vector256.Create(series[^1]);
        for (int i = series.Length - 2; i >= 0; i--)
        {
            p = p * z + Vector256.Create(series[i]);
        }

        var small = x + x * p;

        var piece = Vector256.Floor(Vector256.Min(Vector256.Max((ax - Vector256.Create(0.5f)) * Vector256.Create(4f), Vector256<float>.Zero), Vector256.Create(13f)));
        var t = (ax - (Vector256.Create(0.625f) + Vector256.Create(0.25f) * piece)) * Vector256.Create(8f);

        // Masked to the table's sixteen columns, whatever a NaN lane converts to.
        var index = Avx.ConvertToVector256Int32WithTruncation(piece) & Vector256.Create(SinglePaddedPieces - 1);
        Vector256<float> sum;
        fixed (float* table = ErfSinglePiecesByPower)
        {
            sum = Avx2.GatherVector256(table + (SinglePieceLength - 1) * SinglePaddedPieces, index, 4);
            for (int k = SinglePieceLength - 2; k >= 0; k--)
            {
                sum = sum * t + Avx2.GatherVector256(table + k * SinglePaddedPieces, index, 4);
            }
        }

        var sign = x & Vector256.Create(-0f);
        var result = Vector256.ConditionalSelect(Vector256.LessThan(ax, Vector256.Create(SingleEnd)), sum | sign, Vector256.Create(1f) | sign);
        result = Vector256.ConditionalSelect(Vector256.LessThan(ax, Vector256.Create(0.5f)), small, result);
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), result, x);
    }

    /// <summary>
    /// e^x for x ≤ 0 in float (GELU's density in float networks), within one ulp, as
    /// <see cref="ExpNonPositive(double)"/> does it in double: x = n·ln 2 + r with |r| ≤ ½ln 2, e^r by
    /// its Taylor series to r⁸, times 2ⁿ; plain multiplications and additions, so that the vector
    /// forms below give the same bits. Positive x is taken as 0; NaN stays NaN.
    /// </summary>
    internal static float ExpNonPositiveSingle(float x)
    {
        if (float.IsNaN(x))
        {
            return x;
        }

        x = MathF.Min(MathF.Max(x, SingleExpFloor), 0);
        float shifted = x * Log2ESingle + SingleRoundingShift;
        float n = shifted - SingleRoundingShift;
        float r = (x - n * Ln2HighSingle) - n * Ln2LowSingle;
        var taylor = ExpSingleTaylor;
        float p = taylor[^1];
        for (int i = taylor.Length - 2; i >= 0; i--)
        {
            p = p * r + taylor[i];
        }

        // 2ⁿ as 2^(n+24)·2⁻²⁴, so that both factors are normal down to n = −150.
        int exponent = BitConverter.SingleToInt32Bits(shifted) - SingleRoundingShiftBits + 127 + 24;
        return p * BitConverter.Int32BitsToSingle(exponent << 23) * TwoToMinus24;
    }

    /// <summary><see cref="ExpNonPositiveSingle(float)"/> of sixteen lanes, bit for bit.</summary>
    internal static Vector512<float> ExpNonPositive(Vector512<float> x)
    {
        var c = Vector512.Min(Vector512.Max(x, Vector512.Create(SingleExpFloor)), Vector512<float>.Zero);
        var shifted = c * Vector512.Create(Log2ESingle) + Vector512.Create(SingleRoundingShift);
        var n = shifted - Vector512.Create(SingleRoundingShift);
        var r = (c - n * Vector512.Create(Ln2HighSingle)) - n * Vector512.Create(Ln2LowSingle);
        var taylor = ExpSingleTaylor;
        var p = Vector512.Create(taylor[^1]);
        for (int i = taylor.Length - 2; i >= 0; i--)
        {
            p = p * r + Vector512.Create(taylor[i]);
        }

        var exponent = shifted.AsInt32() - Vector512.Create(SingleRoundingShiftBits - 127 - 24);
        var result = p * Vector512.ShiftLeft(exponent, 23).AsSingle() * Vector512.Create(TwoToMinus24);
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), result, x);
    }

    /// <summary><see cref="ExpNonPositiveSingle(float)"/> of eight lanes, bit for bit.</summary>
    internal static Vector256<float> ExpNonPositive(Vector256<float> x)
    {
        var c = Vector256.Min(Vector256.Max(x, Vector256.Create(SingleExpFloor)), Vector256<float>.Zero);
        var shifted = c * Vector256.Create(Log2ESingle) + Vector256.Create(SingleRoundingShift);
        var n = shifted - Vector256.Create(SingleRoundingShift);
        var r = (c - n * Vector256.Create(Ln2HighSingle)) - n * Vector256.Create(Ln2LowSingle);
        var taylor = ExpSingleTaylor;
        var p = Vector256.Create(taylor[^1]);
        for (int i = taylor.Length - 2; i >= 0; i--)
        {
            p = p * r + Vector256.Create(taylor[i]);
        }

        var exponent = shifted.AsInt32() - Vector256.Create(SingleRoundingShiftBits - 127 - 24);
        var result = p * Vector256.ShiftLeft(exponent, 23).AsSingle() * Vector256.Create(TwoToMinus24);
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), result, x);
    }

    // Below this e^x is 0 in float (e^−104 is below half the smallest subnormal, 2⁻¹⁵⁰).
    private const float SingleExpFloor = -104f;
    private const float Log2ESingle = 1.44269504f;

    // fdlibm's expf split of ln 2: the high part has 8 trailing zero bits, so n·Ln2HighSingle is exact.
    private const float Ln2HighSingle = 6.9314575195e-01f;
    private const float Ln2LowSingle = 1.4286067653e-06f;

    // 1.5·2²³: adding it rounds x·log₂e to an integer (to nearest, ties to even), held in the low bits.
    private const float SingleRoundingShift = 12582912f;
    private const int SingleRoundingShiftBits = 0x4B400000;
    private const float TwoToMinus24 = 1f / 16777216f;

    // 1/k! for k = 0…8.
    private static readonly float[] ExpSingleTaylor = [1f, 1f, 1f / 2, 1f / 6, 1f / 24, 1f / 120, 1f / 720, 1f / 5040, 1f / 40320];

    // From here erf is 1 in float (1 − erf(3.87) is below half an ulp of 1).
    private const float SingleEnd = 4f;

    private const int SinglePieceLength = 7;

    // Fourteen pieces padded to sixteen: one 512-bit register per coefficient.
    private const int SinglePaddedPieces = 16;

    // erf(x) = x + x·Σ ErfSingleSeries[n]·x^(2n) for |x| < 0.5 (least squares on Chebyshev nodes, rounded to float one coefficient at a time, each next one refitted)
    private static readonly float[] ErfSingleSeries = [0.12837916612625122f, -0.3761260509490967f, 0.11282714456319809f, -0.02674928866326809f, 0.004701228812336922f];

    // erf on [0.5 + 0.25i, 0.75 + 0.25i): Σ ErfSinglePieces[7i + k]·t^k, t = (x − mid)/0.125
    private static readonly float[] ErfSinglePieces =
    [
        0.6232408881187439f, 0.0954374447464943f, -0.007456096820533276f, -0.00010874641156988218f, 4.317315688240342e-05f, -8.20340630980354e-07f, -2.09506296755535e-07f,
        0.7840750813484192f, 0.06559313088655472f, -0.007174410857260227f, 0.0001814860588638112f, 2.7764799597207457e-05f, -2.037498916251934e-06f, -2.2486743489480432e-07f,
        0.8883882164955139f, 0.03978424519300461f, -0.0055945380590856075f, 0.0003172860888298601f, 6.587220013898332e-06f, -1.8637097127793822e-06f, 1.971024943259181e-07f,
        0.9481700658798218f, 0.02129497192800045f, -0.003660018090158701f, 0.0003084717318415642f, -7.556584932899568e-06f, -9.345152420792147e-07f, 1.471484125659117e-07f,
        0.9784437417984009f, 0.010059031657874584f, -0.002043309388682246f, 0.00022430192620959133f, -1.2001533832517453e-05f, -7.120048906017473e-08f, -2.3248308167467258e-08f,
        0.9919900298118591f, 0.004193228203803301f, -0.0009825651068240404f, 0.00013172323815524578f, -1.0763033969851676e-05f, 3.454860575402563e-07f, 2.7042321448789153e-07f,
        0.9973459839820862f, 0.0015426024328917265f, -0.00040986051317304373f, 6.452711386373267e-05f, -6.222417596291052e-06f, 3.7966029253766465e-07f, -1.2874090771219926e-07f,
        0.9992170333862305f, 0.0005008097505196929f, -0.0001484507229179144f, 2.6817362595465966e-05f, -3.660702304841834e-06f, 2.551716988818953e-07f, 2.477925988841889e-07f,
        0.999794602394104f, 0.00014348443073686212f, -4.690585774369538e-05f, 9.551315997669008e-06f, -1.6717657445042278e-06f, 1.2929635317959765e-07f, 1.9138374796057178e-07f,
        0.9999521374702454f, 3.62785613106098e-05f, -1.297608014283469e-05f, 2.9344253107410623e-06f, -5.824449544888921e-07f, 5.272187664218109e-08f, 6.59439294281583e-08f,
        0.9999901056289673f, 8.094849363260437e-06f, -3.180954990966711e-06f, 7.811771070009854e-07f, -9.830172587044217e-08f, 1.7830306120458772e-08f, -2.3348075472995333e-08f,
        0.9999982118606567f, 1.5939729109959444e-06f, -8.89592342900869e-07f, 1.8078337404858758e-07f, 3.996363204805675e-07f, 5.083488296975247e-09f, -2.4872096560102364e-07f,
        0.9999997019767761f, 2.7699169891093334e-07f, -1.024470819288581e-07f, 3.6458885688261944e-08f, -5.373667377739366e-08f, 1.234735758082195e-09f, 2.6206038228338002e-08f,
        0.9999999403953552f, 4.247822360525788e-08f, 1.1615035333534252e-07f, 6.4194356497182525e-09f, -2.7489917897582927e-07f, 2.572793644795013e-10f, 1.5622273963344924e-07f,
    ];

    // ErfSinglePieces by coefficient: [k·16 + piece], the two padding pieces copies of the last.
    private static readonly float[] ErfSinglePiecesByPower = ByPower(ErfSinglePieces, SinglePieceLength, SinglePaddedPieces);
}
