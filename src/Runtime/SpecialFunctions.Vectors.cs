using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SkipNet;

// The vector forms of SpecialFunctions.cs's erf and e^x, bit for bit (.NET 8 only: netstandard2.1 has no System.Runtime.Intrinsics).
public static partial class SpecialFunctions
{
    /// <summary>
    /// <see cref="Erf(double)"/> of four lanes at once, bit for bit: the same multiplications and
    /// additions (no fused ones), both branches computed and the right one selected per lane, the
    /// piece's coefficients gathered per lane.
    /// </summary>
    internal static unsafe Vector256<double> ErfVector(Vector256<double> x)
    {
        var ax = Vector256.Abs(x);

        // |x| < 0.5: x + x·p(x²), Horner from the last coefficient.
        var z = x * x;
        var taylor = ErfTaylor;
        var p = Vector256.Create(taylor[^1]);
        for (int i = taylor.Length - 2; i >= 0; i--)
        {
            p = p * z + Vector256.Create(taylor[i]);
        }

        var series = x + x * p;

        // 0.5 ≤ |x| < 6: piece = ⌊(|x| − 0.5)·4⌋, clamped so that every lane indexes a piece.
        var scaled = Vector256.Min(Vector256.Max((ax - Vector256.Create(0.5)) * Vector256.Create(4.0), Vector256<double>.Zero), Vector256.Create(21.0));
        var piece = Vector256.Floor(scaled);
        var t = (ax - (Vector256.Create(0.625) + Vector256.Create(0.25) * piece)) * Vector256.Create(8.0);
        var offsets = Avx.ConvertToVector128Int32WithTruncation(piece) * Vector128.Create(PieceLength);
        Vector256<double> sum;
        fixed (double* table = ErfPieces)
        {
            sum = Avx2.GatherVector256(table + PieceLength - 1, offsets, 8);
            for (int k = PieceLength - 2; k >= 0; k--)
            {
                sum = sum * t + Avx2.GatherVector256(table + k, offsets, 8);
            }
        }

        // CopySign(sum, x); ±1 from 6 on; the series below 0.5; NaN stays NaN.
        var sign = x & Vector256.Create(-0.0);
        var polynomial = sum | sign;
        var one = Vector256.Create(1.0) | sign;
        var result = Vector256.ConditionalSelect(Vector256.LessThan(ax, Vector256.Create(6.0)), polynomial, one);
        result = Vector256.ConditionalSelect(Vector256.LessThan(ax, Vector256.Create(0.5)), series, result);
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), result, x);
    }

    /// <summary>
    /// <see cref="Erf(double)"/> of eight lanes at once, bit for bit, as <see cref="ErfVector(Vector256{double})"/>
    /// does it, with each coefficient picked from three registers by permutes instead of gathers.
    /// </summary>
    internal static Vector512<double> ErfVector(Vector512<double> x)
    {
        var ax = Vector512.Abs(x);

        var z = x * x;
        var taylor = ErfTaylor;
        var p = Vector512.Create(taylor[^1]);
        for (int i = taylor.Length - 2; i >= 0; i--)
        {
            p = p * z + Vector512.Create(taylor[i]);
        }

        var series = x + x * p;

        var scaled = Vector512.Min(Vector512.Max((ax - Vector512.Create(0.5)) * Vector512.Create(4.0), Vector512<double>.Zero), Vector512.Create(21.0));
        var piece = Vector512.Floor(scaled);
        var t = (ax - (Vector512.Create(0.625) + Vector512.Create(0.25) * piece)) * Vector512.Create(8.0);

        // piece + 2⁵² holds the piece number in its low mantissa bits, which are all the permutes read.
        var index = (piece + Vector512.Create(4503599627370496.0)).AsInt64();
        var upper = Vector512.GreaterThanOrEqual(piece, Vector512.Create(16.0));
        ref double table = ref MemoryMarshal.GetArrayDataReference(ErfPiecesByPower);
        var sum = Pick(ref table, PieceLength - 1, index, upper);
        for (int k = PieceLength - 2; k >= 0; k--)
        {
            sum = sum * t + Pick(ref table, k, index, upper);
        }

        var sign = x & Vector512.Create(-0.0);
        var polynomial = sum | sign;
        var one = Vector512.Create(1.0) | sign;
        var result = Vector512.ConditionalSelect(Vector512.LessThan(ax, Vector512.Create(6.0)), polynomial, one);
        result = Vector512.ConditionalSelect(Vector512.LessThan(ax, Vector512.Create(0.5)), series, result);
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), result, x);

        // Coefficient k of each lane's piece: pieces 0–15 from two registers, 16–23 from a third.
        static Vector512<double> Pick(ref double table, int k, Vector512<long> index, Vector512<double> upper)
        {
            ref double row = ref Unsafe.Add(ref table, k * PaddedPieces);
            var low = Avx512F.PermuteVar8x64x2(Vector512.LoadUnsafe(ref row), index, Vector512.LoadUnsafe(ref row, 8));
            var high = Avx512F.PermuteVar8x64(Vector512.LoadUnsafe(ref row, 16), index);
            return Vector512.ConditionalSelect(upper, high, low);
        }
    }

    /// <summary>Whether <see cref="ErfVector(Vector256{double})"/> runs on this CPU (AVX2).</summary>
    internal static bool IsErfVectorized => Avx2.IsSupported;

    /// <summary>Whether the eight-lane <see cref="ErfVector(Vector512{double})"/> and <see cref="ExpNonPositive(Vector512{double})"/> run on this CPU (AVX-512 at full speed).</summary>
    internal static bool IsVector512 => Vector512.IsHardwareAccelerated && Avx512F.IsSupported;

    /// <summary><see cref="ExpNonPositive(double)"/> of four lanes, bit for bit.</summary>
    internal static Vector256<double> ExpNonPositive(Vector256<double> x)
    {
        var c = Vector256.Min(Vector256.Max(x, Vector256.Create(ExpFloor)), Vector256<double>.Zero);
        var shifted = c * Vector256.Create(Log2E) + Vector256.Create(RoundingShift);
        var n = shifted - Vector256.Create(RoundingShift);
        var r = (c - n * Vector256.Create(Ln2High)) - n * Vector256.Create(Ln2Low);
        var taylor = ExpTaylor;
        var p = Vector256.Create(taylor[^1]);
        for (int i = taylor.Length - 2; i >= 0; i--)
        {
            p = p * r + Vector256.Create(taylor[i]);
        }

        var exponent = shifted.AsInt64() - Vector256.Create(RoundingShiftBits - 1023 - 54);
        var result = p * Vector256.ShiftLeft(exponent, 52).AsDouble() * Vector256.Create(TwoToMinus54);
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), result, x);
    }

    /// <summary><see cref="ExpNonPositive(double)"/> of eight lanes, bit for bit.</summary>
    internal static Vector512<double> ExpNonPositive(Vector512<double> x)
    {
        var c = Vector512.Min(Vector512.Max(x, Vector512.Create(ExpFloor)), Vector512<double>.Zero);
        var shifted = c * Vector512.Create(Log2E) + Vector512.Create(RoundingShift);
        var n = shifted - Vector512.Create(RoundingShift);
        var r = (c - n * Vector512.Create(Ln2High)) - n * Vector512.Create(Ln2Low);
        var taylor = ExpTaylor;
        var p = Vector512.Create(taylor[^1]);
        for (int i = taylor.Length - 2; i >= 0; i--)
        {
            p = p * r + Vector512.Create(taylor[i]);
        }

        var exponent = shifted.AsInt64() - Vector512.Create(RoundingShiftBits - 1023 - 54);
        var result = p * Vector512.ShiftLeft(exponent, 52).AsDouble() * Vector512.Create(TwoToMinus54);
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), result, x);
    }
}
