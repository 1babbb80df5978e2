using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using BenchmarkDotNet.Attributes;

namespace SkipNet.Benchmarks;

/// <summary>The seed exercise, batch 1: SkipNet's generated code against the same network written by hand.</summary>
[MemoryDiagnoser]
public class SeedBenchmarks
{
    private readonly Seed _net = new();
    private readonly SeedF _netF = new();
    private readonly HandWrittenSeed<double> _hand = new();
    private readonly HandWrittenSeed<float> _handF = new();
    private readonly double[] _x = [1], _y = [-3], _out = [0];
    private readonly float[] _xF = [1], _yF = [-3], _outF = [0];

    [Benchmark(Baseline = true)] public double HandWritten_TrainStep() => _hand.TrainStep(1, -3, 1e-3);
    [Benchmark] public double TrainStep() => _net.TrainStep(_x, _y, 1e-3);
    [Benchmark] public void Forward() => _net.Forward(_x, _out);
    [Benchmark] public double Backward() => _net.Backward(_x, _y);
    [Benchmark] public float HandWritten_TrainStep_Float() => _handF.TrainStep(1, -3, 1e-3f);
    [Benchmark] public float TrainStep_Float() => _netF.TrainStep(_xF, _yF, 1e-3f);
    [Benchmark] public void Forward_Float() => _netF.Forward(_xF, _outF);
    [Benchmark] public float Backward_Float() => _netF.Backward(_xF, _yF);
}

/// <summary>The residual MLPs: generated code (through the network interface, one call per batch) against the hand-written baseline.</summary>
[MemoryDiagnoser]
[GenericTypeArguments(typeof(Mlp16), typeof(double))]
[GenericTypeArguments(typeof(Mlp16F), typeof(float))]
[GenericTypeArguments(typeof(Mlp128), typeof(double))]
[GenericTypeArguments(typeof(Mlp128F), typeof(float))]
[GenericTypeArguments(typeof(Mlp512), typeof(double))]
[GenericTypeArguments(typeof(Mlp512F), typeof(float))]
public class MlpBenchmarks<TNet, T>
    where TNet : IResidualNetwork<T>, new()
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private TNet _net = default!;
    private HandWrittenMlp<T> _hand = default!;
    private T[] _x = [], _y = [], _out = [];
    private readonly T _rate = T.CreateChecked(1e-4);

    [Params(1, 32)]
    public int Batch { get; set; }

    /// <summary>SkipNet.Parallelism.MaxDegreeOfParallelism (the hand-written baseline is always one thread).</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        Parallelism.MaxDegreeOfParallelism = Threads;
        _net = new TNet();
        var random = new Random(1);
        _x = Enumerable.Range(0, Batch * _net.InputSize).Select(_ => T.CreateChecked(random.NextDouble() * 2 - 1)).ToArray();
        _y = Enumerable.Range(0, Batch).Select(_ => T.CreateChecked(random.NextDouble())).ToArray();
        _out = new T[Batch];
        _hand = new HandWrittenMlp<T>(_net.InputSize, 1);
    }

    [Benchmark(Baseline = true)] public T HandWritten_TrainStep() => _hand.TrainStep(_x, _y, _rate);
    [Benchmark] public T TrainStep() => _net.TrainStep(_x, _y, _rate);
    [Benchmark] public void Forward() => _net.Forward(_x, _out);
    [Benchmark] public T Backward() => _net.Backward(_x, _y);
}

/// <summary>The core's floating-point peak (<see cref="FmaPeak"/>) as BenchmarkDotNet runs it.</summary>
public class PeakBenchmarks
{
    public const int Iterations = 1 << 20;

    [Benchmark]
    public double Fma256Double() => Avx2.IsSupported && Fma.IsSupported ? FmaPeak.Run256(Iterations) : double.NaN;

    /// <summary>The same with 512-bit vectors: twice the FLOPs per instruction; where the core splits them in two halves, the same FLOP rate.</summary>
    [Benchmark]
    public double Fma512Double() => Avx512F.IsSupported ? FmaPeak.Run512(Iterations) : double.NaN;
}

/// <summary>
/// The three matrix products of a wide layer alone, at width 512 and 32 samples (2·32·512·512 =
/// 16.8 MFLOP each): Z += H·Wᵀ (forward), dH += dZ·W, dW += dZᵀ·H, and dW written with the SGD
/// step fused, as TrainStep runs it.
/// </summary>
[MemoryDiagnoser]
[GenericTypeArguments(typeof(double))]
[GenericTypeArguments(typeof(float))]
public class KernelBenchmarks<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private const int Batch = 32, Width = 512;
    private T[] _w = [], _h = [], _dz = [], _z = [], _dh = [], _dw = [], _p = [];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        T[] Draw(int length) => Enumerable.Range(0, length).Select(_ => T.CreateChecked(random.NextDouble() - 0.5)).ToArray();
        (_w, _h, _dz, _z, _dh, _dw, _p) = (Draw(Width * Width), Draw(Batch * Width), Draw(Batch * Width), Draw(Batch * Width), Draw(Batch * Width), Draw(Width * Width), Draw(Width * Width));
    }

    [Benchmark] public void Forward_Z() => Kernels.MultiplyAdd<T>(_w, _h, _z, Batch);
    [Benchmark] public void Backward_dH() => Kernels.TransposeMultiplyAdd<T>(_w, _dz, _dh, Batch);
    [Benchmark] public void Backward_dW() => Kernels.OuterAdd<T>(_dz, _h, _dw, Batch);
    [Benchmark] public void Backward_dW_Step() => Kernels.WeightGradient<T>(_dz, _h, _dw, _p, Batch, GradientWrite<T>.TrainStep(T.CreateChecked(1e-9)));
}

/// <summary>
/// One batch of the Fashion-MNIST sample (batch 128, float): the step with plain SGD fused into the
/// backward pass, with Sgd and Adam as optimizers (a pass over the parameters after the backward
/// pass), and the parts: Backward alone, and Adam's update alone.
/// </summary>
public class OptimizerBenchmarks
{
    private const int Batch = 128;
    private FashionNet _net = default!;
    private Sgd<float> _sgd = default!;
    private Adam<float> _adam = default!;
    private float[] _x = [], _y = [];

    [GlobalSetup]
    public void Setup()
    {
        _net = new FashionNet(1);
        _sgd = new Sgd<float>(_net, 1e-4f);
        _adam = new Adam<float>(_net, 1e-4f);
        var random = new Random(1);
        _x = Enumerable.Range(0, Batch * FashionNet.InputSize).Select(_ => (float)random.NextDouble()).ToArray();
        _y = new float[Batch * FashionNet.OutputSize];
        for (int s = 0; s < Batch; s++)
        {
            _y[s * FashionNet.OutputSize + s % FashionNet.OutputSize] = 1;
        }

        _net.Backward(_x, _y);
    }

    [Benchmark(Baseline = true)] public float TrainStep_FusedSgd() => _net.TrainStep(_x, _y, 1e-4f);
    [Benchmark] public float TrainStep_Sgd() => _net.TrainStep(_x, _y, _sgd);
    [Benchmark] public float TrainStep_Adam() => _net.TrainStep(_x, _y, _adam);
    [Benchmark] public float Backward() => _net.Backward(_x, _y);
    [Benchmark] public void AdamUpdate() => _adam.Step();
}
