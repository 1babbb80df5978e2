namespace SkipNet.Generator;

/// <summary>Where SkipNet's documentation lives (the package does not carry docs/): help links and XML docs point here.</summary>
internal static class Links
{
    public const string Docs = "https://github.com/skipnet/skipnet/blob/main/docs/";

    public const string Conventions = Docs + "conventions.md";

    public const string Diagnostics = Docs + "diagnostics.md";
}
