namespace SkipNet.Tests;

/// <summary>
/// In steady state, Forward, Evaluate, InputGradient, Backward, Step and TrainStep allocate nothing, for any batch (a
/// looped network's first call on a thread makes that thread's workspace: ThreadingTests measures it).
/// </summary>
[Trait("Category", "Slow")] // dotnet test --filter "Category!=Slow" leaves it out of a first check
public class AllocationTests
{
    public static TheoryData<string, int> Cases() => new()
    {
        { nameof(SeedNet), 1 }, { nameof(SeedNet), 8 },
        { nameof(SeedNetSingle), 1 }, { nameof(SeedNetSingle), 8 },
        { nameof(MixedUnrolled), 1 }, { nameof(MixedUnrolled), 8 },
        { nameof(MixedLooped), 1 }, { nameof(MixedLooped), 8 },
        { nameof(WideNet), 1 }, { nameof(WideNet), 8 },
        { nameof(WideNetSingle), 1 }, { nameof(WideNetSingle), 8 },
        { nameof(ClassifierUnrolled), 1 }, { nameof(ClassifierUnrolled), 8 },
        { nameof(ClassifierLooped), 1 }, { nameof(ClassifierLooped), 40 },
        { nameof(BinaryNet), 3 }, { nameof(HuberNet), 3 },
        { nameof(NormNet), 1 }, { nameof(NormNet), 40 }, { nameof(NormNetSingle), 40 }, { nameof(BatchNormNet), 2 }, { nameof(BatchNormNet), 70 },
        { nameof(TinyResNet), 2 }, { nameof(TinyResNet), 5 }, { nameof(ConvNet), 1 }, { nameof(ConvNet), 12 },
        { nameof(FunctionNet), 1 }, { nameof(FunctionNet), 40 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void TenThousandTrainStepsAllocateZeroBytes(string network, int batch)
    {
        switch (network)
        {
            case nameof(SeedNet): Measure(new SeedNet(1), batch); break;
            case nameof(SeedNetSingle): Measure(new SeedNetSingle(1), batch); break;
            case nameof(MixedUnrolled): Measure(new MixedUnrolled(1), batch); break;
            case nameof(MixedLooped): Measure(new MixedLooped(1), batch); break;
            case nameof(WideNet): Measure(new WideNet(1), batch); break;
            case nameof(ClassifierUnrolled): Measure(new ClassifierUnrolled(1), batch); break;
            case nameof(ClassifierLooped): Measure(new ClassifierLooped(1), batch); break;
            case nameof(BinaryNet): Measure(new BinaryNet(1), batch); break;
            case nameof(HuberNet): Measure(new HuberNet(1), batch); break;
            case nameof(NormNet): Measure(new NormNet(1), batch); break;
            case nameof(NormNetSingle): Measure(new NormNetSingle(1), batch); break;
            case nameof(BatchNormNet): Measure(new BatchNormNet(1), batch); break;
            case nameof(TinyResNet): Measure(new TinyResNet(1), batch); break;
            case nameof(ConvNet): Measure(new ConvNet(1), batch); break;
            case nameof(FunctionNet): Measure(new FunctionNet(1), batch); break;
            default: Measure(new WideNetSingle(1), batch); break;
        }
    }

    private static void Measure<T>(IResidualNetwork<T> net, int batch)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var random = new Random(batch);
        var x = Enumerable.Range(0, batch * net.InputSize).Select(_ => T.CreateChecked(random.NextDouble())).ToArray();
        var y = Enumerable.Range(0, batch * net.OutputSize).Select(_ => T.CreateChecked(random.NextDouble())).ToArray();
        var output = new T[batch * net.OutputSize];
        var dx = new T[batch * net.InputSize];
        var rate = T.CreateChecked(1e-3);
        T sink = T.Zero;

        void Run(int steps)
        {
            for (int i = 0; i < steps; i++)
            {
                sink += net.TrainStep(x, y, rate);
                net.Forward(x, output);
                sink += net.Backward(x, y) + net.Evaluate(x, y) + net.InputGradient(x, y, dx);
                net.Step(rate);
                net.ZeroGradients();
            }
        }

        Run(100); // warm up: JIT, tiering, static initializers
        long before = GC.GetAllocatedBytesForCurrentThread();
        Run(10_000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        allocated.ShouldBe(0, $"bytes allocated by 10,000 steps of batch {batch}");
        T.IsNaN(sink).ShouldBeFalse();
    }
}
