using System.Reflection;
using SkipNet;
using SkipNet.CompilerServices;

namespace SkipNet.Benchmarks;

/// <summary>
/// `-- blocks`: the products whose block sizes come from the caches (SkipNet.CompilerServices.Blocking,
/// derived from CpuCaches), each at the derived size and at the powers of two around it, alternated
/// every 80 ms on one thread (medians of 10 rounds after 2 of warm-up, in GFLOP/s). The derived
/// size should be the best or within the noise of it: on a new kind of CPU this is the check that
/// the shares of the caches Blocking uses still hold.
/// </summary>
internal static class Blocks
{
    /// <summary>"caches: CpuCaches { … }; derived: Blocking { … }": the caches read and the block sizes derived from them.</summary>
    public static string Describe()
    {
        var runtime = typeof(Parallelism).Assembly;
        object Current(string type) => runtime.GetType(type)!.GetProperty("Current", BindingFlags.Static | BindingFlags.Public)!.GetValue(null)!;
        return $"caches: {Current("SkipNet.CompilerServices.CpuCaches")}; derived: {Current("SkipNet.CompilerServices.Blocking")}";
    }

    public static void Run()
    {
        var runtime = typeof(Parallelism).Assembly;
        var blocking = runtime.GetType("SkipNet.CompilerServices.Blocking")!;
        var current = blocking.GetProperty("Current", BindingFlags.Static | BindingFlags.Public)!;
        var wide = runtime.GetType("SkipNet.CompilerServices.Gemm")!.GetProperty("UseVector512", BindingFlags.Static | BindingFlags.NonPublic)!;
        var derived = current.GetValue(null)!;
        int Get(string name) => (int)blocking.GetProperty(name)!.GetValue(derived)!;
        object With(int rows256, int rows512, int columns) => Activator.CreateInstance(blocking, rows256, rows512, columns)!;
        Console.WriteLine(Describe());
        Parallelism.MaxDegreeOfParallelism = 1;

        var random = new Random(1);
        AlignedArray<T> A<T>(int length, Func<T> next) where T : unmanaged
        {
            var aligned = new AlignedArray<T>(length);
            for (int i = 0; i < length; i++)
            {
                aligned.Span[i] = next();
            }

            return aligned;
        }

        AlignedArray<double> D(int length) => A(length, random.NextDouble);
        AlignedArray<float> S(int length) => A(length, () => (float)random.NextDouble());
        var step = GradientWrite<double>.TrainStep(1e-9);
        var stepf = GradientWrite<float>.TrainStep(1e-9f);

        // (what, out × in, batch): mlp-512's layers at batch 32, and the Fashion MLP's first layer at batch 128.
        var (w, h, dz, dw, z) = (D(512 * 512), D(32 * 512), D(32 * 512), D(512 * 512), D(32 * 512));
        var (wf, hf, zf) = (S(256 * 784), S(128 * 784), S(128 * 256));
        var (dzf, dwf) = (S(128 * 256), S(256 * 784));
        var panels = new (string, Action, double)[]
        {
            ("forward 512×512 b32 double", () => Kernels.MultiplyAdd<double>(w.Span, h.Span, z.Span, 32), 2.0 * 512 * 512 * 32),
            ("dH 512×512 b32 double", () => Kernels.TransposeMultiplyAdd<double>(w.Span, dz.Span, h.Span, 32), 2.0 * 512 * 512 * 32),
            ("forward 784→256 b128 float", () => Kernels.MultiplyAdd<float>(wf.Span, hf.Span, zf.Span, 128), 2.0 * 784 * 256 * 128),
            ("dH 784→256 b128 float", () => Kernels.TransposeMultiplyAdd<float>(wf.Span, dzf.Span, hf.Span, 128), 2.0 * 784 * 256 * 128),
        };
        var weightGradients = new (string, Action, double)[]
        {
            ("dW+step 512×512 b32 double", () => Kernels.WeightGradient<double>(dz.Span, h.Span, dw.Span, w.Span, 32, step), 2.0 * 512 * 512 * 32),
            ("dW+step 784→256 b128 float", () => Kernels.WeightGradient<float>(dzf.Span, hf.Span, dwf.Span, wf.Span, 128, stepf), 2.0 * 784 * 256 * 128),
        };

        int[] Around(int value, int min, int max) => new[] { value / 4, value / 2, value, value * 2, value * 4 }.Where(v => v >= min && v <= max).ToArray();
        Sweep("512-bit panel rows (PanelRows512)", Around(Get("PanelRows512"), 8, 256), v => With(Get("PanelRows256"), v, Get("TnColumns")), true, panels);
        Sweep("256-bit panel rows (PanelRows256)", Around(Get("PanelRows256"), 16, 1024), v => With(v, Get("PanelRows512"), Get("TnColumns")), false, panels);
        Sweep("dW's block columns (TnColumns)", Around(Get("TnColumns"), 64, 4096), v => With(Get("PanelRows256"), Get("PanelRows512"), v), true, weightGradients);
        wide.SetValue(null, true);

        // Whole training steps, as a user runs them, at the derived sizes and with each doubled or halved.
        var variants = new (string Name, object Sizes)[]
        {
            ("derived", derived),
            ("PanelRows512 ÷ 2", With(Get("PanelRows256"), Get("PanelRows512") / 2, Get("TnColumns"))),
            ("PanelRows512 × 2", With(Get("PanelRows256"), Get("PanelRows512") * 2, Get("TnColumns"))),
            ("TnColumns ÷ 2", With(Get("PanelRows256"), Get("PanelRows512"), Get("TnColumns") / 2)),
            ("TnColumns × 2", With(Get("PanelRows256"), Get("PanelRows512"), Get("TnColumns") * 2)),
        };
        Console.WriteLine();
        Console.WriteLine($"| TrainStep, 1 thread | {string.Join(" | ", variants.Select(v => v.Name))} |");
        Console.WriteLine($"|---|{string.Concat(variants.Select(_ => "---|"))}");
        Steps(new Mlp512(), 32);
        Steps(new Mlp512F(), 32);
        Steps(new FashionNet(), 128);
        current.SetValue(null, derived);

        void Steps<T>(IResidualNetwork<T> net, int batch)
            where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            var (x, y) = Batches.Draw(net, batch);
            var rate = T.CreateTruncating(1e-4);
            var medians = Alternation.Medians(variants.Select(v => ((Action)(() => current.SetValue(null, v.Sizes)), (Action)(() => net.TrainStep(x, y, rate)))).ToArray(), milliseconds: 150);
            double best = medians.Min();
            Console.WriteLine($"| {net.GetType().Name} b{batch} | {string.Join(" | ", medians.Select(m => Alternation.Format(m) + (m == best ? " ◀" : "")))} |");
        }

        void Sweep(string what, int[] values, Func<int, object> sizes, bool use512, (string Name, Action Run, double Flop)[] products)
        {
            Console.WriteLine();
            Console.WriteLine($"| {what} | {string.Join(" | ", values.Select(v => v == (int)sizes(v).GetType().GetProperty(what[(what.IndexOf('(') + 1)..^1])!.GetValue(derived)! ? $"{v} (derived)" : v.ToString()))} |");
            Console.WriteLine($"|---|{string.Concat(values.Select(_ => "---|"))}");
            foreach (var (name, run, flop) in products)
            {
                var medians = Alternation.Medians(values.Select(v => ((Action)(() => { current.SetValue(null, sizes(v)); wide.SetValue(null, use512); }), run)).ToArray(), milliseconds: 80);
                double best = medians.Min();
                Console.WriteLine($"| {name} | {string.Join(" | ", medians.Select(m => $"{flop / m / 1000:F1}{(m == best ? " ◀" : "")}"))} |");
            }
        }
    }
}
