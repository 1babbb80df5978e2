using System.Globalization;
using SkipNet.Generator.Model;

namespace SkipNet.Generator.Emit;

/// <summary>
/// Numbers as C# literals of the network's element type: invariant, and the shortest text that
/// round-trips ("0.05f", not "0.0500000007f"), found the same way on every runtime the compiler
/// may run on.
/// </summary>
internal static class Literals
{
    public static string Number(double value, Precision precision)
    {
        // Finite as a double may still be infinite as a float (1e39), so test the value of the element type.
        double typed = precision == Precision.Single ? (float)value : value;
        if (double.IsNaN(typed) || double.IsInfinity(typed))
        {
            string type = precision == Precision.Single ? "float" : "double";
            return double.IsNaN(typed) ? type + ".NaN" : typed > 0 ? type + ".PositiveInfinity" : type + ".NegativeInfinity";
        }

        if (precision == Precision.Single)
        {
            float f = (float)value;
            return Shortest(p => f.ToString("G" + p, CultureInfo.InvariantCulture), s => float.Parse(s, CultureInfo.InvariantCulture) == f, 9) + "f";
        }

        string text = Shortest(p => value.ToString("G" + p, CultureInfo.InvariantCulture), s => double.Parse(s, CultureInfo.InvariantCulture) == value, 17);
        return text.IndexOfAny(new[] { '.', 'E', 'e' }) >= 0 ? text : text + ".0";
    }

    /// <summary>A number for a message: "NaN", "∞", "-∞", "1E+39".</summary>
    public static string Describe(double value) =>
        double.IsNaN(value) ? "NaN" : double.IsPositiveInfinity(value) ? "∞" : double.IsNegativeInfinity(value) ? "-∞" : value.ToString("R", CultureInfo.InvariantCulture);

    public static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Long(long value) => value.ToString(CultureInfo.InvariantCulture) + "L";

    private static string Shortest(System.Func<int, string> format, System.Func<string, bool> roundTrips, int maxPrecision)
    {
        for (int precision = 1; precision < maxPrecision; precision++)
        {
            string text = format(precision);
            if (roundTrips(text))
            {
                return text;
            }
        }

        return format(maxPrecision);
    }
}
