using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SkipNet;

/// <summary>
/// The special functions the activations and losses need and .NET does not have: erf within one
/// ulp, and an accurate ln(1 + x) (.NET's <c>double.LogP1</c> computes ln(x + 1) and loses small x).
/// </summary>
public static partial class SpecialFunctions
{
    /// <summary>
    /// The error function, erf(x) = 2/√π ∫₀ˣ e^(−t²) dt, within one unit in the last place over the
    /// whole line (94 % of a test set correctly rounded). Odd; erf(±∞) = ±1; erf(NaN) = NaN.
    /// </summary>
    /// <remarks>
    /// Below 0.5 the Taylor series; from 0.5 to 6 one polynomial of degree 13 per interval of 0.25,
    /// fitted to erf computed with 60-digit decimals (scripts/erf-coefficients.py derives the tables
    /// and the test data); beyond 6, ±1 (erfc(6) &lt; 2.2·10⁻¹⁷ is below half an ulp of 1).
    /// </remarks>
    public static double Erf(double x)
    {
        double ax = Math.Abs(x);
        if (ax < 0.5)
        {
            // x + x·(c0 − 1 + c1·x² + …): the last addition's rounding stays small.
            double z = x * x;
            var taylor = ErfTaylor;
            double p = taylor[^1];
            for (int i = taylor.Length - 2; i >= 0; i--)
            {
                p = p * z + taylor[i];
            }

            return x + x * p;
        }

        if (!(ax < 6))
        {
            return double.IsNaN(x) ? x : Math.CopySign(1.0, x);
        }

        int piece = (int)((ax - 0.5) * 4);
        double t = (ax - (0.625 + 0.25 * piece)) * 8;
        var c = new ReadOnlySpan<double>(ErfPieces, piece * PieceLength, PieceLength);
        double sum = c[^1];
        for (int k = c.Length - 2; k >= 0; k--)
        {
            sum = sum * t + c[k];
        }

        return Math.CopySign(sum, x);
    }

    /// <summary>
    /// e^x for x ≤ 0 (GELU's density e^(−z²/2)), within one ulp: x = n·ln 2 + r with |r| ≤ ½ln 2, e^r
    /// by its Taylor series to r¹³, times 2ⁿ. Written with plain multiplications and additions only,
    /// so that the vector forms (SpecialFunctions.Vectors.cs) give the same bits. Positive x is taken as 0; NaN stays NaN.
    /// </summary>
    internal static double ExpNonPositive(double x)
    {
        if (double.IsNaN(x))
        {
            return x;
        }

        x = Math.Min(Math.Max(x, ExpFloor), 0);
        double shifted = x * Log2E + RoundingShift;
        double n = shifted - RoundingShift;
        double r = (x - n * Ln2High) - n * Ln2Low;
        var taylor = ExpTaylor;
        double p = taylor[^1];
        for (int i = taylor.Length - 2; i >= 0; i--)
        {
            p = p * r + taylor[i];
        }

        // 2ⁿ as 2^(n+54)·2⁻⁵⁴, so that both factors are normal down to n = −1076.
        long exponent = BitConverter.DoubleToInt64Bits(shifted) - RoundingShiftBits + 1023 + 54;
        return p * BitConverter.Int64BitsToDouble(exponent << 52) * TwoToMinus54;
    }

    /// <summary>ln(1 + x), accurate for small x too (where ln(x + 1) would round 1 + x first).</summary>
    public static double Log1P(double x)
    {
        double u = 1 + x;
        if (u == 1)
        {
            return x;
        }

        // Goldberg's correction: ln(u)·x/(u − 1) cancels the rounding error of 1 + x.
        return double.IsInfinity(u) ? u : Math.Log(u) * x / (u - 1);
    }

    /// <summary>
    /// The coefficients of <see cref="Erf"/> below 0.5: erf(x) = x + x·Σₙ c[n]·x²ⁿ. For exporters
    /// that compute the same function elsewhere (SkipNet.Onnx's double GELU).
    /// </summary>
    public static ReadOnlySpan<double> ErfSeriesCoefficients => ErfTaylor;

    /// <summary>
    /// The coefficients of <see cref="Erf"/> on [0.5, 6): piece i (i = ⌊(|x| − 0.5)·4⌋, 22 pieces) is
    /// Σₖ c[14i + k]·tᵏ with t = (|x| − (0.625 + 0.25i))·8, evaluated by Horner's rule from k = 13.
    /// </summary>
    public static ReadOnlySpan<double> ErfPieceCoefficients => ErfPieces;

    /// <summary>The number of coefficients per piece of <see cref="ErfPieceCoefficients"/>.</summary>
    public const int ErfPieceLength = PieceLength;

    private const int PieceLength = 14;

    // Below this e^x is 0 in double (e^−745.2 is half the smallest subnormal).
    private const double ExpFloor = -746;
    private const double Log2E = 1.4426950408889634;

    // fdlibm's split of ln 2: the high part has 21 trailing zero bits, so n·Ln2High is exact.
    private const double Ln2High = 6.93147180369123816490e-01;
    private const double Ln2Low = 1.90821492927058770002e-10;

    // 1.5·2⁵²: adding it rounds x·log₂e to an integer (to nearest, ties to even), held in the low bits.
    private const double RoundingShift = 6755399441055744.0;
    private const long RoundingShiftBits = 0x4338000000000000;
    private const double TwoToMinus54 = 1.0 / 18014398509481984.0;

    // 1/k! for k = 0…13.
    private static readonly double[] ExpTaylor = [1.0, 1.0, 1.0 / 2, 1.0 / 6, 1.0 / 24, 1.0 / 120, 1.0 / 720, 1.0 / 5040, 1.0 / 40320, 1.0 / 362880, 1.0 / 3628800, 1.0 / 39916800, 1.0 / 479001600, 1.0 / 6227020800];

    // Pieces padded to 24, three registers of eight per coefficient.
    private const int PaddedPieces = 24;

    // erf(x) = x + x·Σ ErfTaylor[n]·x^(2n) for |x| < 0.5 (the Taylor series, its first coefficient less 1)
    private static readonly double[] ErfTaylor = [0.1283791670955126, -0.37612638903183754, 0.11283791670955126, -0.026866170645131252, 0.005223977625442188, -0.0008548327023450853, 0.00012055332981789664, -1.492565035840625e-05, 1.6462114365889248e-06, -1.6365844691234924e-07, 1.4807192815879218e-08, -1.2290555301717928e-09, 9.422759064650411e-11];

    // erf on [0.5 + 0.25i, 0.75 + 0.25i): Σ ErfPieces[14i + k]·t^k, t = (x − mid)/0.125
    private static readonly double[] ErfPieces =
    [
        0.623240882188418, 0.09543744197007561, -0.007456050153912157, -0.0001087340647445523, 4.3081018955710045e-05, -8.365909138757802e-07, -1.5771802393417653e-07, 6.632808993193878e-09, 3.985266927724084e-10, -2.7070628468380156e-11, -6.840437887079715e-13, 7.89295172423002e-14, 5.944329140406676e-16, -1.798456479274253e-16,
        0.7840750610598597, 0.06559313066126853, -0.007174248666076246, 0.00018149140970728596, 2.7440567000781167e-05, -2.0512657892870227e-06, -3.954996394303946e-08, 8.867133505741241e-09, -1.1003890598247497e-10, -2.4265518468120855e-11, 8.364402536465495e-13, 4.540810476243335e-14, -2.7849881397719816e-15, -5.2786177242520436e-17,
        0.8883882317017078, 0.03978424481259616, -0.005594659426771335, 0.00031728971286087434, 6.829418245570944e-06, -1.8714503053487296e-06, 5.926832370387941e-08, 4.5809241420536345e-09, -3.59491154494412e-10, -2.6836401673538035e-12, 1.0740522011025957e-12, -2.0599231324930022e-14, -2.051420093540474e-15, 8.919323007470151e-17,
        0.9481700727820903, 0.02129497171093945, -0.003660073262817718, 0.0003084720837033872, -7.446438116084742e-06, -9.340202718788532e-07, 8.453840356317943e-08, -6.766616632741603e-10, -2.5397739351439883e-10, 1.1756354537202528e-11, 3.013810600320034e-13, -3.947620647485603e-14, 4.078877940634331e-16, 7.565575151834122e-17,
        0.9784437332399837, 0.010059032377813895, -0.0020432409517434475, 0.0002242980852474778, -1.2138394325950303e-05, -6.515273561411226e-08, 5.498802616809215e-08, -2.9488856867174162e-09, -3.436360136673475e-11, 1.0510422799816186e-11, -3.315199124779793e-13, -1.462956285342166e-14, 1.271709119854118e-15, -7.488616184552172e-18,
        0.9919900576701199, 0.004193228553027009, -0.0009827879421157053, 0.00013172088390856328, -1.0317353884515428e-05, 3.4981028335194696e-07, 1.5660046131740458e-08, -2.3500413457875466e-09, 8.526454551085137e-11, 2.6990210664946387e-12, -3.6336342129888545e-13, 8.58297073051006e-15, 5.255801728765565e-16, -3.760638455278587e-17,
        0.9973459706405177, 0.001542602576791712, -0.0004097538094602985, 6.452618200447102e-05, -6.4357491231962224e-06, 3.813318661936604e-07, -6.948137640427118e-09, -8.913313182701536e-10, 8.245382743460451e-11, -2.159028165733745e-12, -1.1434498616337137e-13, 1.1042378074234151e-14, -2.1455400821915274e-16, -1.5440179747746364e-17,
        0.9992170617821089, 0.0005008097327087774, -0.0001486778893979183, 2.6817448252146448e-05, -3.206350967647091e-06, 2.5504738872615923e-07, -1.1879268811269024e-08, 5.877953931844864e-11, 3.5411794858444264e-11, -2.514778472124768e-12, 5.0947034954915694e-14, 3.679875231261889e-15, -3.013521891265019e-16, 5.625036419922746e-18,
        0.9997946242638588, 0.00014348439073533437, -4.708081571003159e-05, 9.551613901489545e-06, -1.3218490738900762e-06, 1.2871950078483494e-07, -8.570990923625148e-09, 3.246632086955386e-10, 2.0649849173723955e-12, -1.1369618362145968e-12, 6.88777808206607e-14, -1.2020993321332801e-15, -9.785358316517036e-17, 7.533994181421191e-18,
        0.9999521451602562, 3.6278535357812254e-05, -1.3037598644213778e-05, 2.934640636854279e-06, -4.59414079829506e-07, 5.22846459902331e-08, -4.349039551426762e-09, 2.520418364335653e-10, -8.082867949588937e-12, -1.202453235714128e-13, 3.109586890104707e-14, -1.7243522998870106e-15, 2.9064214691940964e-17, 2.1735980289074234e-18,
        0.9999901032653747, 8.094835404339122e-06, -3.162045079819969e-06, 7.812886384721841e-07, -1.3612645241087714e-07, 1.7607467696360665e-08, -1.7254454712055208e-09, 1.2706806711346629e-10, -6.631829884929681e-12, 1.8962218207266707e-13, 3.60771002651923e-15, -7.410620887360729e-16, 3.9564636852715535e-17, -7.408421275049854e-19,
        0.9999981847185726, 1.593967599970636e-06, -6.724550812376124e-07, 1.80826077014898e-07, -3.4640630405547305e-08, 4.997984144929478e-09, -5.585055603786649e-10, 4.8726175634208925e-11, -3.2690924803232994e-12, 1.5843783148868696e-13, -4.287467840875476e-15, -7.623805220570928e-17, 1.5574916751362485e-17, -8.366587549635676e-19,
        0.9999997048598075, 2.7699003557913905e-07, -1.2551110987179759e-07, 3.6472158005130784e-08, -7.609519600785415e-09, 1.2082621869937843e-09, -1.5079160284239886e-10, 1.5027104134702034e-11, -1.1974064886433983e-12, 7.491692079197517e-14, -3.463294268603236e-15, 9.377491204348583e-17, 1.173458226434902e-18, -2.859792184051738e-19,
        0.999999957486056, 4.2477797722614425e-08, -2.0575183271891418e-08, 6.422831068409639e-09, -1.4483669865051535e-09, 2.505140830023188e-10, -3.4412723879541135e-11, 3.830503144375447e-12, -3.486288014910015e-13, 2.5888204148418745e-14, -1.5395283600690643e-15, 6.939144333298567e-17, -1.9412529820689945e-18, -8.032497056816577e-21,
        0.9999999945765992, 5.748744786057565e-09, -2.9641965303109296e-09, 9.890011782003338e-10, -2.395383426594377e-10, 4.476884015067628e-11, -6.69656797294858e-12, 8.199972157924831e-13, -8.328122211994501e-14, 7.051328781742684e-15, -4.958307118928909e-16, 2.8455538081314054e-17, -1.2721667711503124e-18, 3.795109953820128e-20,
        0.9999999993875167, 6.86589653606683e-10, -3.7547871681614663e-10, 1.3331729439335484e-10, -3.449832936906229e-11, 6.9215847319866905e-12, -1.1180041769501919e-12, 1.4893820956134124e-13, -1.6619330511402877e-14, 1.5672068211205697e-15, -1.2524516908885776e-16, 8.44657646451504e-18, -4.757398468786789e-19, 2.1243427970459515e-20,
        0.9999999999387839, 7.236601708234343e-11, -4.183660362572595e-11, 1.5747617975112687e-11, -4.334146843775201e-12, 9.28454498352558e-13, -1.6086197340187018e-13, 2.31168792175562e-14, -2.8025121466220777e-15, 2.8981128990607086e-16, -2.5723127667621063e-17, 1.9629663300294155e-18, -1.293673759113282e-19, 7.119248346745143e-21,
        0.9999999999945866, 6.731088115124323e-12, -4.10175682015274e-12, 1.631280957587857e-12, -4.756676000117358e-13, 1.0829734801054379e-13, -2.0015950371357972e-14, 3.0820280251379896e-15, -4.0251033001748446e-16, 4.5142778644649035e-17, -4.383231266691997e-18, 3.7025013484882753e-19, -2.756159021834626e-20, 1.7519961071892034e-21,
        0.9999999999995766, 5.525213586673217e-13, -3.539589953959997e-13, 1.4829227220741025e-13, -4.565633201113508e-14, 1.1004315051063556e-14, -2.1596450354920094e-15, 3.543535027357198e-16, -4.952104332201596e-17, 5.973269801386872e-18, -6.276647782166309e-19, 5.784243533962203e-20, -4.764098625951464e-21, 3.388135732346279e-22,
        0.9999999999999707, 4.0024512978095306e-14, -2.6891469657113552e-14, 1.1836676445504945e-14, -3.836323756322334e-15, 9.755275885268353e-16, -2.0249284628002364e-16, 3.5242200253537355e-17, -5.24161102631716e-18, 6.7552792694998035e-19, -7.619622124002509e-20, 7.581934073179861e-21, -6.815870534780068e-22, 5.320689355783405e-23,
        0.9999999999999982, 2.5586815105297455e-15, -1.7990729370849425e-15, 8.299889730604075e-16, -2.824228268948326e-16, 7.554084673153757e-17, -1.6528123570154264e-17, 3.0393521114700285e-18, -4.7892313959386645e-19, 6.559744621376433e-20, -7.891767188911442e-21, 8.413205393218905e-22, -8.175063872041273e-23, 6.915994153427094e-24,
        0.9999999999999999, 1.4435093304378218e-16, -1.0600771645328796e-16, 5.114778340429292e-17, -1.8228703207409376e-17, 5.114926329872634e-18, -1.1761383400662439e-18, 2.2775029254334125e-19, -3.7875770206276646e-20, 5.489147576367499e-21, -7.007100731839802e-22, 7.954357817045276e-23, -8.293706412653538e-24, 7.533912470519134e-25,
    ];

    // ErfPieces by coefficient: [k·24 + piece], the two padding pieces copies of the last.
    private static readonly double[] ErfPiecesByPower = ByPower(ErfPieces, PieceLength, PaddedPieces);

    /// <summary>
    /// A table of pieces (each <paramref name="length"/> coefficients in a row) by coefficient:
    /// [k·padded + piece], so that one vector load holds coefficient k of every piece; the pieces
    /// past the last are copies of it.
    /// </summary>
    private static T[] ByPower<T>(T[] pieces, int length, int padded)
    {
        int count = pieces.Length / length;
        var table = new T[length * padded];
        for (int k = 0; k < length; k++)
        {
            for (int piece = 0; piece < padded; piece++)
            {
                table[k * padded + piece] = pieces[Math.Min(piece, count - 1) * length + k];
            }
        }

        return table;
    }
}
