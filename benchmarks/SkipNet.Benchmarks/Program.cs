using BenchmarkDotNet.Running;
using SkipNet.Benchmarks;

// dotnet run -c Release --project benchmarks/SkipNet.Benchmarks -- --filter '*' (see docs/performance.md), or one of the
// hand-run modes, which alternate the settings they compare in short slices (Alternation):
var modes = new Dictionary<string, Action>
{
    ["threads"] = ThreadScaling.Run, // TrainStep on one against two threads
    ["widths"] = VectorWidths.Run,   // 256- against 512-bit products (W beyond and within the L2), and the in-run FMA peak
    ["phases"] = Phases.Run,         // where a training step spends its time
    ["floor"] = Floor.Run,           // mlp-128 at batch 1 against a loop that only moves its memory
    ["pairs"] = Pairs.Run,           // products in a step's pairs on one against two threads; memory and cross-core bandwidth
    ["blocks"] = Blocks.Run,         // the cache-derived block sizes against the powers of two around them
    ["wholerows"] = WholeRows.Run,   // a single sample's products reading W row after row against the earlier order
    ["refill"] = Refill.Run,         // dH's panels refilled in place while multiplied against packed all at once
    ["fourwide"] = FourWide.Run,     // the forward product in four-vector panels of samples against two-vector ones
    ["steps"] = Steps.Run,           // mlp-128 TrainStep at batch 1 and 32, one thread (scripts/bench-fallbacks.sh, once per instruction set)
};

if (args is [var mode] && modes.TryGetValue(mode, out var run))
{
    run();
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
