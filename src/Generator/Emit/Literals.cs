using System.Globalization;
using SkipNet.Generator.Model;

namespace SkipNet.Generator.Emit;

/// <summary>Numbers as C# literals of the network's element type, invariant and round-trippable.</summary>
internal static class Literals
{
    public static string Number(double value, Precision precision)
    {
        if (precision == Precision.Single)
        {
            return ((float)value).ToString("G9", CultureInfo.InvariantCulture) + "f";
        }

        string text = value.ToString("R", CultureInfo.InvariantCulture);
        return text.IndexOfAny(new[] { '.', 'E', 'e' }) >= 0 ? text : text + ".0";
    }

    public static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);
}
