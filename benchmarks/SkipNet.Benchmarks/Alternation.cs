using System.Diagnostics;
using SkipNet;

namespace SkipNet.Benchmarks;

/// <summary>
/// The hand-run modes' timing: the settings compared take turns in short slices, round after round,
/// and each keeps the median of its rounds. On a machine whose speed drifts, the settings then share
/// the same conditions, which separate runs (BenchmarkDotNet's, minutes apart) do not.
/// </summary>
internal static class Alternation
{
    /// <summary>
    /// For each setting: its setup, then its run called for <paramref name="milliseconds"/>; over
    /// <paramref name="warmUp"/> discarded rounds and <paramref name="rounds"/> kept ones. Returns
    /// each setting's median time per call, in microseconds.
    /// </summary>
    public static double[] Medians(IReadOnlyList<(Action Setup, Action Run)> settings, int milliseconds, int rounds = 10, int warmUp = 2)
    {
        var times = settings.Select(_ => new List<double>()).ToArray();
        for (int round = 0; round < warmUp + rounds; round++)
        {
            for (int s = 0; s < settings.Count; s++)
            {
                settings[s].Setup();
                int calls = 0;
                var clock = Stopwatch.StartNew();
                while (clock.ElapsedMilliseconds < milliseconds)
                {
                    settings[s].Run();
                    calls++;
                }

                if (round >= warmUp)
                {
                    times[s].Add(clock.Elapsed.TotalMicroseconds / calls);
                }
            }
        }

        return times.Select(Median).ToArray();
    }

    /// <summary>One thread against two (<see cref="Parallelism.MaxDegreeOfParallelism"/>): the median microseconds per call of each.</summary>
    public static (double One, double Two) Threads(Action run, int milliseconds, int rounds = 10, int warmUp = 2)
    {
        var medians = Medians([(() => Parallelism.MaxDegreeOfParallelism = 1, run), (() => Parallelism.MaxDegreeOfParallelism = 2, run)], milliseconds, rounds, warmUp);
        return (medians[0], medians[1]);
    }

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    /// <summary>Microseconds as µs or ms.</summary>
    public static string Format(double microseconds) => microseconds >= 1000 ? $"{microseconds / 1000:F3} ms" : $"{microseconds:F1} µs";
}
