using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Text;
using SkipNet.Generator.Model;

namespace SkipNet.Generator.Emit;

/// <summary>
/// The file name of each network's source: "App.Net.g.cs". Roslyn wants hint names unique ignoring
/// case and made of file-name characters, so two networks whose names differ only in case
/// ("App.Mlp", "App.MLP") each get a suffix computed from their exact name.
/// </summary>
internal static class HintNames
{
    /// <summary>The stems that more than one network has, ignoring case.</summary>
    public static EquatableArray<string> Colliding(ImmutableArray<string> fullNames) =>
        fullNames
            .GroupBy(Stem, StringComparer.OrdinalIgnoreCase)
            .Where(g => g.Count() > 1)
            .Select(g => g.Key.ToUpperInvariant())
            .OrderBy(k => k, StringComparer.Ordinal)
            .ToEquatableArray();

    public static string For(string fullName, EquatableArray<string> colliding)
    {
        string stem = Stem(fullName);
        bool clash = colliding.Any(c => string.Equals(c, stem, StringComparison.OrdinalIgnoreCase));
        return clash ? $"{stem}.{Fnv1a(fullName).ToString("x8", CultureInfo.InvariantCulture)}.g.cs" : stem + ".g.cs";
    }

    /// <summary>The full name with any character that does not belong in a file name replaced by '_'.</summary>
    private static string Stem(string fullName)
    {
        var stem = new StringBuilder(fullName.Length);
        foreach (char c in fullName)
        {
            stem.Append(char.IsLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '_');
        }

        return stem.ToString();
    }

    private static uint Fnv1a(string text)
    {
        uint hash = 2166136261;
        foreach (char c in text)
        {
            hash = unchecked((hash ^ c) * 16777619);
        }

        return hash;
    }
}

/// <summary>A network to emit and the name of its file.</summary>
internal sealed record Emission(NetworkModel Model, string HintName);
