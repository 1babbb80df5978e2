namespace SkipNet.Generator.Model;

/// <summary>How declared layer names become C# names.</summary>
internal static class Naming
{
    /// <summary>"h0" → "H0", for public accessors such as H0Weights.</summary>
    public static string Pascal(string name) =>
        name.Length == 0 ? name : char.ToUpperInvariant(name[0]) + name.Substring(1);
}
