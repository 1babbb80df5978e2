using System.Diagnostics;
using System.Numerics;
using SkipNet;

namespace SkipNet.Benchmarks;

/// <summary>
/// `-- phases`: where a training step spends its time, at one and two threads: forward alone, the
/// backward pass (forward included), the SGD TrainStep, Adam's update and the Adam TrainStep, and
/// for the Fashion-MNIST network a trainer's epoch over random data, per step, and GELU per element. Medians of
/// alternating 100 ms rounds.
/// </summary>
internal static class Phases
{
    public static void Run()
    {
        Console.WriteLine("network   batch | phase              | 1 thread  | 2 threads");
        Profile(new Mlp512(), 32);
        Profile(new Mlp512F(), 32);
        Profile(new Mlp128(), 32);
        Profile(new FashionNet(1), 128);
        FitPerStep(128);
        Gelu();
    }

    /// <summary>GELU forward and backward on 32,768 floats (one Fashion-MNIST layer at batch 128), one thread, per element.</summary>
    private static void Gelu()
    {
        var random = new Random(3);
        var z = Enumerable.Range(0, 32_768).Select(_ => (float)(random.NextDouble() * 8 - 4)).ToArray();
        var h = new float[z.Length];
        var delta = new float[z.Length];
        Action one = () => Parallelism.MaxDegreeOfParallelism = 1;
        var medians = Alternation.Medians([(one, () => Activations.GELU<float>(z, h)), (one, () => Activations.GELUBackward<float>(z, delta))], milliseconds: 60);
        Console.WriteLine($"GELU, 32,768 floats, one thread: forward {medians[0] * 1000 / z.Length:F2} ns an element, backward {medians[1] * 1000 / z.Length:F2} ns");
    }

    private static void Profile<T>(IResidualNetwork<T> net, int batch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var adam = new Adam<T>(net, T.CreateTruncating(1e-4));
        var random = new Random(1);
        var x = Enumerable.Range(0, batch * net.InputSize).Select(_ => T.CreateTruncating(random.NextDouble() * 2 - 1)).ToArray();
        var y = new T[batch * net.OutputSize];
        for (int r = 0; r < batch; r++)
        {
            y[r * net.OutputSize + random.Next(net.OutputSize)] = T.One;
        }

        var output = new T[batch * net.OutputSize];
        var rate = T.CreateTruncating(1e-6);
        var phases = new (string Name, Action Run)[]
        {
            ("forward", () => net.Forward(x, output)),
            ("zero + backward", () => { net.ZeroGradients(); net.Backward(x, y); }),
            ("TrainStep (SGD)", () => net.TrainStep(x, y, rate)),
            ("Adam update", () => net.Step(adam)),
            ("TrainStep (Adam)", () => net.TrainStep(x, y, adam)),
        };
        foreach (var (name, run) in phases)
        {
            var (one, two) = Alternation.Threads(run, milliseconds: 60, warmUp: 3);
            Console.WriteLine($"{net.GetType().Name,-10} {batch,4} | {name,-18} | {Alternation.Format(one),9} | {Alternation.Format(two),9}");
        }
    }

    private static void FitPerStep(int batch)
    {
        // A trainer's epoch over 60,000 random samples, per step.
        const int samples = 60_000;
        var random = new Random(2);
        var setX = new float[samples * FashionNet.InputSize];
        for (int i = 0; i < setX.Length; i++)
        {
            setX[i] = (float)(random.NextDouble() * 2 - 1);
        }

        var setLabels = Enumerable.Range(0, samples).Select(_ => random.Next(FashionNet.OutputSize)).ToArray();
        var perStep = new Dictionary<int, List<double>> { [1] = [], [2] = [] };
        for (int round = 0; round < 2; round++)
        {
            foreach (int degree in new[] { 1, 2 })
            {
                var net = new FashionNet(1);
                var trainer = new Trainer<float>(net, new Adam<float>(net, 1e-3f), batch) { Seed = 1, MaxDegreeOfParallelism = degree };
                var seconds = trainer.Fit(TrainingSet<float>.WithLabels(setX, setLabels), epochs: 1).TrainingTime.TotalSeconds;
                perStep[degree].Add(seconds * 1e6 / ((samples + batch - 1) / batch));
            }
        }

        Console.WriteLine($"{"FashionNet",-10} {batch,4} | {"Fit, per step",-18} | {Alternation.Format(perStep[1].Min()),9} | {Alternation.Format(perStep[2].Min()),9}");
    }
}
