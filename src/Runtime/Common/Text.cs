using System.Globalization;

namespace SkipNet;

/// <summary>Numbers as round-trip invariant text.</summary>
internal static class Text
{
    public static string Of(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
