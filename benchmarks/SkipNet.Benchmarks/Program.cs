using BenchmarkDotNet.Running;

// dotnet run -c Release --project benchmarks/SkipNet.Benchmarks -- --filter '*' (see docs/performance.md)
// dotnet run -c Release --project benchmarks/SkipNet.Benchmarks -- threads   (one against two threads, alternated)
if (args is ["threads"])
{
    SkipNet.Benchmarks.ThreadScaling.Run();
    return;
}

// dotnet run -c Release --project benchmarks/SkipNet.Benchmarks -- widths    (256- against 512-bit products)
if (args is ["widths"])
{
    SkipNet.Benchmarks.VectorWidths.Run();
    return;
}

// dotnet run -c Release --project benchmarks/SkipNet.Benchmarks -- phases    (where a Fashion-MNIST step spends its time)
if (args is ["phases"])
{
    SkipNet.Benchmarks.Phases.Run();
    return;
}

// dotnet run -c Release --project benchmarks/SkipNet.Benchmarks -- pairs     (products in a step's pairs, one against two threads; memory bandwidth)
if (args is ["pairs"])
{
    SkipNet.Benchmarks.Pairs.Run();
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
