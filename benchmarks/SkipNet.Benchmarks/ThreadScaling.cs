using System.Diagnostics;
using System.Numerics;
using SkipNet;

namespace SkipNet.Benchmarks;

/// <summary>
/// `-- threads`: TrainStep on one and on two threads, alternated every 150 ms for 12 rounds after a
/// second of warm-up, with the median of each. Alternating puts both settings under the same
/// conditions on a machine whose speed drifts; BenchmarkDotNet runs them minutes apart.
/// </summary>
internal static class ThreadScaling
{
    public static void Run()
    {
        Console.WriteLine("network  batch | 1 thread | 2 threads | speed-up");
        Time(new Mlp512(), 32);
        Time(new Mlp512F(), 32);
        Time(new Mlp512(), 1);
        Time(new Mlp128(), 32);
        Time(new Mlp128(), 1);
        Time(new Mlp16(), 1);
        Time(new FashionNet(), 128);
    }

    private static void Time<T>(IResidualNetwork<T> net, int batch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(1);
        var x = Enumerable.Range(0, batch * net.InputSize).Select(_ => T.CreateTruncating(random.NextDouble() * 2 - 1)).ToArray();
        var y = Enumerable.Range(0, batch * net.OutputSize).Select(_ => T.CreateTruncating(random.NextDouble())).ToArray();
        var rate = T.CreateTruncating(1e-4);
        var times = new Dictionary<int, List<double>> { [1] = [], [2] = [] };
        var warm = Stopwatch.StartNew();
        while (warm.ElapsedMilliseconds < 1000)
        {
            Parallelism.MaxDegreeOfParallelism = 1 + (int)(warm.ElapsedMilliseconds / 100 % 2);
            net.TrainStep(x, y, rate);
        }

        for (int round = 0; round < 12; round++)
        {
            foreach (int degree in new[] { 1, 2 })
            {
                Parallelism.MaxDegreeOfParallelism = degree;
                int steps = 0;
                var clock = Stopwatch.StartNew();
                while (clock.ElapsedMilliseconds < 150)
                {
                    net.TrainStep(x, y, rate);
                    steps++;
                }

                times[degree].Add(clock.Elapsed.TotalMicroseconds / steps);
            }
        }

        double one = Median(times[1]), two = Median(times[2]);
        Console.WriteLine($"{net.GetType().Name,-8} {batch,5} | {Format(one),8} | {Format(two),9} | {one / two:F2}×");
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }

    private static string Format(double microseconds) => microseconds >= 1000 ? $"{microseconds / 1000:F2} ms" : $"{microseconds:F1} µs";
}
