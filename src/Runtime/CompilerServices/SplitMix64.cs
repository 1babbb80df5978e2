using System.ComponentModel;

namespace SkipNet.CompilerServices;

/// <summary>
/// A small, fast, deterministic random source (SplitMix64). The same seed gives the same
/// sequence on every platform and .NET version, so a network built with <c>new Net(seed)</c> is
/// reproducible everywhere.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public struct SplitMix64
{
    private ulong _state;

    /// <summary>Starts the sequence for <paramref name="seed"/>.</summary>
    public SplitMix64(int seed) => _state = unchecked((ulong)(long)seed);

    /// <summary>
    /// The stream a network's dropout masks come from for <paramref name="seed"/>: the state of
    /// <c>new SplitMix64(seed)</c> with its bits XOR 0xD2B74407B1CE6E93, so the masks are not the
    /// draws that made the weights.
    /// </summary>
    public static SplitMix64 ForDropout(int seed) => new(seed) { _state = unchecked((ulong)(long)seed) ^ DropoutStream };

    private const ulong DropoutStream = 0xD2B74407B1CE6E93UL;

    /// <summary>The generator's whole state (a checkpoint saves it).</summary>
    public ulong State
    {
        readonly get => _state;
        set => _state = value;
    }

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        ulong z = unchecked(_state += 0x9E3779B97F4A7C15UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }

    /// <summary>A uniform double in [0, 1), with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));
}
