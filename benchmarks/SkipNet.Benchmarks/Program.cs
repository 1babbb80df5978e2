using BenchmarkDotNet.Running;

// dotnet run -c Release --project benchmarks/SkipNet.Benchmarks -- --filter '*' (see docs/performance.md)
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
