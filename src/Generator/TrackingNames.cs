namespace SkipNet.Generator;

/// <summary>Names of the pipeline steps, so tests can prove each one is cached.</summary>
internal static class TrackingNames
{
    public const string Parse = nameof(Parse);
    public const string Diagnostics = nameof(Diagnostics);
    public const string Networks = nameof(Networks);
    public const string Orphans = nameof(Orphans);
    public const string AllDiagnostics = nameof(AllDiagnostics);
    public const string CollidingNames = nameof(CollidingNames);
    public const string Emissions = nameof(Emissions);
}
