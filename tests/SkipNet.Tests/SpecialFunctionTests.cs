using System.Runtime.Intrinsics;
using System.Globalization;

namespace SkipNet.Tests;

/// <summary>erf within one ulp, an accurate ln(1 + x), and the new activations' values and derivatives.</summary>
public class SpecialFunctionTests
{
    [Fact]
    public void ErfIsWithinOneUlpOfTheCorrectlyRoundedValue()
    {
        // Data/erf.txt: erf at 4,000 points, computed with 60-digit decimals and rounded to double
        // (scripts/erf-coefficients.py points), as the bits of x and of erf(x).
        var rows = File.ReadLines(Path.Combine(AppContext.BaseDirectory, "Data", "erf.txt"))
            .Where(l => !l.StartsWith('#'))
            .Select(l => l.Split(' ').Select(h => BitConverter.Int64BitsToDouble(long.Parse(h, NumberStyles.HexNumber))).ToArray())
            .ToList();
        rows.Count.ShouldBeGreaterThan(4000);
        int exact = 0;
        foreach (var row in rows)
        {
            double x = row[0], expected = row[1], actual = SpecialFunctions.Erf(x);
            Ulps(actual, expected).ShouldBeLessThanOrEqualTo(1, $"erf({x:R}) = {actual:R}, correctly rounded {expected:R}");
            exact += actual == expected ? 1 : 0;
        }

        exact.ShouldBeGreaterThan(rows.Count * 8 / 10, "correctly rounded");
        SpecialFunctions.Erf(double.PositiveInfinity).ShouldBe(1);
        SpecialFunctions.Erf(double.NegativeInfinity).ShouldBe(-1);
        double.IsNaN(SpecialFunctions.Erf(double.NaN)).ShouldBeTrue();
        double.IsNegative(SpecialFunctions.Erf(-0.0)).ShouldBeTrue();
    }

    [Theory]
    [InlineData(1e-300)]
    [InlineData(1e-20)]
    [InlineData(3e-9)]
    [InlineData(-2e-12)]
    public void Log1PKeepsTheDigitsOfSmallArguments(double x)
    {
        // ln(1 + x) = x − x²/2 + x³/3 − …, exactly x − x²/2 to double precision here.
        SpecialFunctions.Log1P(x).ShouldBe(x - x * x / 2, Math.Abs(x) * 4e-16);
        Math.Abs(Math.Log(1 + x) - (x - x * x / 2)).ShouldBeGreaterThan(Math.Abs(x) * 1e-10, "the naive formula loses them");
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(3.0)]
    [InlineData(1e300)]
    [InlineData(-0.75)]
    public void Log1PAgreesWithLnElsewhere(double x) =>
        SpecialFunctions.Log1P(x).ShouldBe(Math.Log(1 + x), 2e-16 * Math.Abs(Math.Log(1 + x)));

    [Fact]
    public void TheNewActivationsHaveTheirKnownValues()
    {
        // Φ(1) = 0.841344746068542948585…, σ(1) = 0.731058578630004879251…, ln 2, e^−40.
        Activations.GELU(1.0).ShouldBe(0.8413447460685429, 3e-16);
        Activations.GELU(-1.0).ShouldBe(-(1 - 0.8413447460685429), 3e-16);
        Activations.GELU(0.0).ShouldBe(0);
        Activations.SiLU(1.0).ShouldBe(0.7310585786300049, 3e-16);
        Activations.Softplus(0.0).ShouldBe(Math.Log(2), 3e-16);
        Activations.Softplus(25.0).ShouldBe(25, "z itself above the threshold 20");
        Activations.Softplus(-40.0).ShouldBe(Math.Exp(-40), 1e-32);
        Activations.SoftplusDerivative(25.0).ShouldBe(1);

        // In float, GELU computes in float as PyTorch's does: z/√2, erf and 1 + erf each round, so
        // Φ(1) may come out one ulp from its correctly rounded 0.84134475f (libtorch 1.13 gives
        // 0.84134471f, one ulp below).
        Activations.GELU(1.0f).ShouldBeInRange(MathF.BitDecrement(0.84134475f), MathF.BitIncrement(0.84134475f));
    }

    public static TheoryData<string> Smooth() => new() { "GELU", "SiLU", "Softplus" };

    [Theory]
    [MemberData(nameof(Smooth))]
    public void DerivativesMatchCentralDifferences(string name)
    {
        Func<double, double> f = name switch { "GELU" => Activations.GELU, "SiLU" => Activations.SiLU, _ => Activations.Softplus };
        Func<double, double> df = name switch { "GELU" => Activations.GELUDerivative, "SiLU" => Activations.SiLUDerivative, _ => Activations.SoftplusDerivative };
        for (double z = -8; z <= 8; z += 0.0625)
        {
            const double H = 1e-6;
            double numeric = (f(z + H) - f(z - H)) / (2 * H);
            df(z).ShouldBe(numeric, 1e-8 + 1e-7 * Math.Abs(numeric), $"{name}'({z})");
        }
    }

    [Theory]
    [MemberData(nameof(Smooth))]
    public void SpanKernelsApplyTheScalarFunctions(string name)
    {
        var z = Enumerable.Range(-40, 81).Select(i => i * 0.3).ToArray();
        var h = new double[z.Length];
        var delta = Enumerable.Repeat(2.0, z.Length).ToArray();
        switch (name)
        {
            case "GELU": Activations.GELU<double>(z, h); Activations.GELUBackward<double>(z, delta); break;
            case "SiLU": Activations.SiLU<double>(z, h); Activations.SiLUBackward<double>(z, delta); break;
            default: Activations.Softplus<double>(z, h); Activations.SoftplusBackward<double>(z, delta); break;
        }

        for (int i = 0; i < z.Length; i++)
        {
            h[i].ShouldBe(name switch { "GELU" => Activations.GELU(z[i]), "SiLU" => Activations.SiLU(z[i]), _ => Activations.Softplus(z[i]) });
            delta[i].ShouldBe(2 * (name switch { "GELU" => Activations.GELUDerivative(z[i]), "SiLU" => Activations.SiLUDerivative(z[i]), _ => Activations.SoftplusDerivative(z[i]) }));
        }
    }

    private static long Ulps(double a, double b)
    {
        static long Ordered(double d)
        {
            long bits = BitConverter.DoubleToInt64Bits(d);
            return bits >= 0 ? bits : -(bits & long.MaxValue);
        }

        return Math.Abs(Ordered(a) - Ordered(b));
    }
}

/// <summary>The vectorized erf and the GELU spans built on it give the scalar functions' bits exactly.</summary>
public class VectorErfTests
{
    public static IEnumerable<double> Points()
    {
        var random = new Random(7);
        for (int i = 0; i < 20_000; i++)
        {
            yield return (random.NextDouble() * 2 - 1) * (i % 3 == 0 ? 8 : 3);
        }

        foreach (double edge in new[] { 0.0, -0.0, 0.5, 0.75, 1.0, 5.75, 6.0, 5.999999999999999, 0.49999999999999994, double.Epsilon, 1e-300, 40, double.MaxValue, double.PositiveInfinity, double.NaN })
        {
            yield return edge;
            yield return -edge;
            yield return Math.BitIncrement(edge);
            yield return Math.BitDecrement(edge);
        }
    }

    [Fact]
    public void TheVectorizedErfIsTheScalarOneBitForBit()
    {
        if (!SpecialFunctions.IsErfVectorized)
        {
            // Only where the runtime was told to leave AVX2 out (.ci/run's any-CPU runs): the scalar erf is used.
            AnyCpu.WithoutAvx2.ShouldBeTrue("this project's machines have AVX2; elsewhere the scalar erf is used");
            return;
        }

        var points = Points().ToArray();
        for (int i = 0; i + 4 <= points.Length; i += 4)
        {
            var result = SpecialFunctions.ErfVector(System.Runtime.Intrinsics.Vector256.Create(points, i));
            for (int lane = 0; lane < 4; lane++)
            {
                double expected = SpecialFunctions.Erf(points[i + lane]);
                BitConverter.DoubleToInt64Bits(System.Runtime.Intrinsics.Vector256.GetElement(result, lane)).ShouldBe(BitConverter.DoubleToInt64Bits(expected), $"erf({points[i + lane]:R})");
            }
        }
    }

    [Fact]
    public void TheEightLaneErfIsTheScalarOneBitForBit()
    {
        if (!SpecialFunctions.IsVector512)
        {
            return; // no AVX-512 here: the four-lane erf is used
        }

        var points = Points().ToArray();
        for (int i = 0; i + 8 <= points.Length; i += 8)
        {
            var result = SpecialFunctions.ErfVector(System.Runtime.Intrinsics.Vector512.Create(points, i));
            for (int lane = 0; lane < 8; lane++)
            {
                BitConverter.DoubleToInt64Bits(result.GetElement(lane)).ShouldBe(BitConverter.DoubleToInt64Bits(SpecialFunctions.Erf(points[i + lane])), $"erf({points[i + lane]:R})");
            }
        }
    }

    /// <summary>Floats across the line, and erf's edges in float: its pieces' ends, where it rounds to 1, subnormals, ±∞, NaN.</summary>
    public static float[] SinglePoints()
    {
        var points = Points().Select(p => (float)p).ToList();
        foreach (float edge in new[] { 0f, 0.5f, 0.75f, 1f, 3.75f, 3.87f, 4f, 10f, float.Epsilon, 1e-30f, float.MaxValue, float.PositiveInfinity, float.NaN })
        {
            foreach (float x in new[] { edge, MathF.BitIncrement(edge), MathF.BitDecrement(edge) })
            {
                points.Add(x);
                points.Add(-x);
            }
        }

        while (points.Count % 16 != 0)
        {
            points.Add(0.25f * points.Count);
        }

        return points.ToArray();
    }

    [Fact]
    public void TheFloatErfIsFaithfullyRoundedEverywhere()
    {
        // Every 2¹²th float from 0 to 4.5 (about 264,000, through every piece), then the edges; the
        // reference is the double erf, itself within an ulp of double, exact to far below float's.
        var points = new List<float>();
        for (int bits = 0; bits <= BitConverter.SingleToInt32Bits(4.5f); bits += 1 << 12)
        {
            points.Add(BitConverter.Int32BitsToSingle(bits));
        }

        points.AddRange(SinglePoints());
        foreach (float x in points)
        {
            float actual = SpecialFunctions.ErfSingle(x);
            if (float.IsNaN(x))
            {
                float.IsNaN(actual).ShouldBeTrue();
                continue;
            }

            double exact = SpecialFunctions.Erf(x);
            float below = (float)exact <= exact ? (float)exact : MathF.BitDecrement((float)exact);
            float above = (float)exact >= exact ? (float)exact : MathF.BitIncrement((float)exact);
            (actual == below || actual == above).ShouldBeTrue($"erf({x:R}) = {actual:R}; the floats around {exact:R} are {below:R} and {above:R}");
            SpecialFunctions.ErfSingle(-x).ShouldBe(-actual, $"erf is odd at {x:R}");
        }
    }

    [Fact]
    public void TheFloatErfVectorsAreTheScalarOneBitForBit()
        => SameBitsInEveryWidth(SinglePoints(), SpecialFunctions.ErfSingle, SpecialFunctions.ErfVector, SpecialFunctions.ErfVector, "erf");

    /// <summary>
    /// A float function's sixteen-lane (AVX-512) and eight-lane (AVX2) forms, where the CPU runs
    /// them, against its scalar form, bit for bit, on points whose count is a multiple of 16.
    /// </summary>
    private static void SameBitsInEveryWidth(float[] points, Func<float, float> scalar, Func<System.Runtime.Intrinsics.Vector512<float>, System.Runtime.Intrinsics.Vector512<float>> sixteenLanes, Func<System.Runtime.Intrinsics.Vector256<float>, System.Runtime.Intrinsics.Vector256<float>> eightLanes, string name)
    {
        for (int i = 0; i < points.Length; i += 16)
        {
            var sixteen = SpecialFunctions.IsVector512 ? sixteenLanes(System.Runtime.Intrinsics.Vector512.Create(points, i)) : default;
            var low = SpecialFunctions.IsErfVectorized ? eightLanes(System.Runtime.Intrinsics.Vector256.Create(points, i)) : default;
            var high = SpecialFunctions.IsErfVectorized ? eightLanes(System.Runtime.Intrinsics.Vector256.Create(points, i + 8)) : default;
            for (int lane = 0; lane < 16; lane++)
            {
                int expected = BitConverter.SingleToInt32Bits(scalar(points[i + lane]));
                if (SpecialFunctions.IsVector512)
                {
                    BitConverter.SingleToInt32Bits(sixteen.GetElement(lane)).ShouldBe(expected, $"{name}({points[i + lane]:R}), sixteen lanes");
                }

                if (SpecialFunctions.IsErfVectorized)
                {
                    BitConverter.SingleToInt32Bits(lane < 8 ? low.GetElement(lane) : high.GetElement(lane - 8)).ShouldBe(expected, $"{name}({points[i + lane]:R}), eight lanes");
                }
            }
        }
    }

    /// <summary>x ≤ 0 across the whole range, and the edges: subnormal results, 0, NaN, −∞.</summary>
    public static IEnumerable<double> ExpPoints()
    {
        var random = new Random(11);
        for (int i = 0; i < 20_000; i++)
        {
            yield return -random.NextDouble() * (i % 4 == 0 ? 750 : i % 4 == 1 ? 40 : 1);
        }

        foreach (double edge in new[] { 0.0, -0.0, -1e-300, -double.Epsilon, -0.34657359027997264, -0.5, -1, -700, -708.39641853226408, -709, -744, -745.1332191019411, -745.2, -746, -1000, double.MinValue, double.NegativeInfinity, double.NaN })
        {
            yield return edge;
            yield return Math.BitIncrement(edge);
            yield return Math.BitDecrement(edge);
        }
    }

    [Fact]
    public void ExpOfNonPositiveIsWithinOneUlpOfMathExp()
    {
        foreach (double x in ExpPoints())
        {
            double expected = x > 0 ? 1 : Math.Exp(x), actual = SpecialFunctions.ExpNonPositive(x);
            if (double.IsNaN(x))
            {
                double.IsNaN(actual).ShouldBeTrue();
                continue;
            }

            // Where e^x is subnormal an ulp is 2⁻¹⁰⁷⁴ and both round once: allow one.
            (Math.Abs(BitConverter.DoubleToInt64Bits(actual) - BitConverter.DoubleToInt64Bits(expected)) <= 1).ShouldBeTrue($"e^{x:R}: {actual:R} against {expected:R}");
        }
    }

    /// <summary>x ≤ 0 in float, and its edges: subnormal results from −87.3, 0 from −104, NaN, −∞.</summary>
    public static float[] SingleExpPoints()
    {
        var random = new Random(13);
        var points = new List<float>();
        for (int i = 0; i < 20_000; i++)
        {
            points.Add(-(float)random.NextDouble() * (i % 4 == 0 ? 110 : i % 4 == 1 ? 20 : 1));
        }

        foreach (float edge in new[] { 0f, -1e-30f, -float.Epsilon, -0.34657359f, -0.5f, -1f, -87.33655f, -87.5f, -100f, -103.27893f, -103.9721f, -104f, -200f, float.MinValue, float.NegativeInfinity, float.NaN })
        {
            points.AddRange(new[] { edge, MathF.BitIncrement(edge), MathF.BitDecrement(edge) });
        }

        while (points.Count % 16 != 0)
        {
            points.Add(-0.125f * points.Count);
        }

        return points.ToArray();
    }

    [Fact]
    public void TheFloatExpOfNonPositiveIsWithinOneUlp()
    {
        foreach (float x in SingleExpPoints())
        {
            float actual = SpecialFunctions.ExpNonPositiveSingle(x);
            if (float.IsNaN(x))
            {
                float.IsNaN(actual).ShouldBeTrue();
                continue;
            }

            // Against e^x in double rounded once to float; where that is subnormal an ulp is 2⁻¹⁴⁹.
            float expected = x > 0 ? 1 : (float)Math.Exp(x);
            Math.Abs(BitConverter.SingleToInt32Bits(actual) - BitConverter.SingleToInt32Bits(expected)).ShouldBeLessThanOrEqualTo(1, $"e^{x:R}: {actual:R} against {expected:R}");
        }
    }

    [Fact]
    public void TheFloatExpVectorsAreTheScalarOneBitForBit()
        => SameBitsInEveryWidth(SingleExpPoints(), SpecialFunctions.ExpNonPositiveSingle, SpecialFunctions.ExpNonPositive, SpecialFunctions.ExpNonPositive, "e^");

    [Fact]
    public void TheVectorizedExpIsTheScalarOneBitForBit()
    {
        var points = ExpPoints().ToArray();
        for (int i = 0; i + 8 <= points.Length; i += 8)
        {
            var four = SpecialFunctions.ExpNonPositive(System.Runtime.Intrinsics.Vector256.Create(points, i));
            var eight = SpecialFunctions.IsVector512 ? SpecialFunctions.ExpNonPositive(System.Runtime.Intrinsics.Vector512.Create(points, i)) : default;
            for (int lane = 0; lane < 8; lane++)
            {
                long expected = BitConverter.DoubleToInt64Bits(SpecialFunctions.ExpNonPositive(points[i + lane]));
                if (lane < 4)
                {
                    BitConverter.DoubleToInt64Bits(four.GetElement(lane)).ShouldBe(expected, $"e^{points[i + lane]:R}, four lanes");
                }

                if (SpecialFunctions.IsVector512)
                {
                    BitConverter.DoubleToInt64Bits(eight.GetElement(lane)).ShouldBe(expected, $"e^{points[i + lane]:R}, eight lanes");
                }
            }
        }
    }

    [Fact]
    public void GeluSpansAreTheScalarFunctionsBitForBit()
    {
        var points = Points().Where(double.IsFinite).ToArray();
        Check(points);
        Check(points.Select(p => (float)p).ToArray());
    }

    private static void Check<T>(T[] z) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var h = new T[z.Length];
        Activations.GELU<T>(z, h);
        var delta = Enumerable.Repeat(T.One, z.Length).ToArray();
        Activations.GELUBackward<T>(z, delta);
        for (int i = 0; i < z.Length; i++)
        {
            h[i].ShouldBe(Activations.GELU(z[i]), $"GELU({z[i]})");
            delta[i].ShouldBe(Activations.GELUDerivative(z[i]), $"GELU'({z[i]})");
        }
    }
}

/// <summary>The piecewise-linear maps over spans, branch-free a vector at a time, against their definitions element by element.</summary>
public class PiecewiseLinearSpanTests
{
    [Fact]
    public void ReluAndLeakyReluSpansFollowTheirDefinitionsBitForBit()
    {
        Check(Values().ToArray());
        Check(Values().Select(v => (float)v).ToArray());
    }

    private static IEnumerable<double> Values()
    {
        var random = new Random(13);
        for (int i = 0; i < 1000; i++)
        {
            yield return (random.NextDouble() - 0.5) * 10;
        }

        // The edges, at positions that land both in whole vectors and in the tail.
        foreach (double edge in new[] { 0.0, -0.0, double.NaN, double.PositiveInfinity, double.NegativeInfinity, double.Epsilon, -double.Epsilon, double.MaxValue, double.MinValue })
        {
            yield return edge;
        }
    }

    private static void Check<T>(T[] z) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var alpha = T.CreateTruncating(0.01);
        for (int length = z.Length - 20; length <= z.Length; length++)
        {
            var zs = z.AsSpan(z.Length - length);
            var h = new T[length];
            var leaky = new T[length];
            var delta = Enumerable.Range(0, length).Select(i => T.CreateTruncating(1.5 - i % 3)).ToArray();
            var leakyDelta = (T[])delta.Clone();
            Activations.ReLU<T>(zs, h);
            Activations.LeakyReLU<T>(zs, leaky, alpha);
            Activations.ReLUBackward<T>(zs, delta);
            Activations.LeakyReLUBackward<T>(zs, leakyDelta, alpha);
            for (int i = 0; i < length; i++)
            {
                T v = zs[i], d = T.CreateTruncating(1.5 - i % 3);
                Bits(h[i]).ShouldBe(Bits(v >= T.Zero ? v : T.Zero), $"ReLU({v})");
                Bits(leaky[i]).ShouldBe(Bits(v >= T.Zero ? v : alpha * v), $"LeakyReLU({v})");
                Bits(delta[i]).ShouldBe(Bits(v >= T.Zero ? d : T.Zero), $"ReLU'({v})·{d}");
                Bits(leakyDelta[i]).ShouldBe(Bits(v >= T.Zero ? d : d * alpha), $"LeakyReLU'({v})·{d}");
            }
        }
    }

    private static long Bits<T>(T value) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        => typeof(T) == typeof(double) ? BitConverter.DoubleToInt64Bits(double.CreateTruncating(value)) : BitConverter.SingleToInt32Bits(float.CreateTruncating(value));
}

/// <summary>
/// What .ci/run's any-CPU runs turn off (DOTNET_EnableAVX512, DOTNET_EnableAVX2 or
/// DOTNET_EnableHWIntrinsic = 0), and the widest vector each then expects the runtime to accelerate:
/// SKIPNET_EXPECT_VECTORS = 256, 128 or 0 (bits).
/// </summary>
internal static class AnyCpu
{
    /// <summary>The widest vector this run expects, when .ci/run says; else null.</summary>
    public static int? ExpectedVectorBits => int.TryParse(Environment.GetEnvironmentVariable("SKIPNET_EXPECT_VECTORS"), out int bits) ? bits : null;

    /// <summary>Whether this process runs with AVX2 (or every hardware intrinsic) turned off by the environment.</summary>
    public static bool WithoutAvx2 => ExpectedVectorBits is 128 or 0;

    /// <summary>The widest vector the runtime accelerates in this process, in bits.</summary>
    public static int WidestVectorBits =>
        Vector512.IsHardwareAccelerated ? 512 : Vector256.IsHardwareAccelerated ? 256 : Vector128.IsHardwareAccelerated ? 128 : 0;
}

public sealed class AnyCpuTests
{
    /// <summary>
    /// An any-CPU run tests the narrower paths only if the runtime's switch took effect: .NET renames
    /// them (.NET 8's DOTNET_EnableAVX512F is DOTNET_EnableAVX512 in .NET 10, and the old name is
    /// silently ignored). So each of .ci/run's runs says what it expects, and this fails if it is not so.
    /// </summary>
    [Fact]
    public void TheRunHasTheVectorsItAskedFor()
    {
        if (AnyCpu.ExpectedVectorBits is int expected)
        {
            AnyCpu.WidestVectorBits.ShouldBe(expected, $"the widest accelerated vector under SKIPNET_EXPECT_VECTORS={expected}");
        }
        else
        {
            // A normal run: the products use 512-bit vectors exactly where the runtime accelerates them.
            (Vector512.IsHardwareAccelerated && Gemm.UseVector512).ShouldBe(AnyCpu.WidestVectorBits == 512);
        }
    }
}
