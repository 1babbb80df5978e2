using BenchmarkDotNet.Running;

// dotnet run -c Release --project benchmarks/SkipNet.Benchmarks -- --filter '*' (see docs/performance.md)
// dotnet run -c Release --project benchmarks/SkipNet.Benchmarks -- threads   (one against two threads, alternated)
if (args is ["threads"])
{
    SkipNet.Benchmarks.ThreadScaling.Run();
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
