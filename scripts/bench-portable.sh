#!/usr/bin/env bash
# What the netstandard2.1 build's portable kernels cost: the same generated networks, compiled once
# against the .NET 8 build of SkipNet.dll and once against the netstandard2.1 build, each run on
# .NET's JIT (CoreCLR) on one thread (the .NET 8 build told so by Parallelism). The builds take turns, ROUNDS times
# (default 2), each in its own process; each figure is the median time of one call over 10 rounds of
# 150 ms after 300 ms of warm-up. Prints a Markdown table with the range of the rounds.
# Mono and IL2CPP (Unity) compile the same IL differently: this measures the kernels, not an engine.
#   scripts/bench-portable.sh
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
rounds=${ROUNDS:-2}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
lscpu | grep -E "Model name" | sed 's/  */ /g'

# The networks are benchmarks/SkipNet.Benchmarks/Networks.cs's (linked), the ones the other benchmarks time.
cat >"$dir/Program.cs" <<'EOF'
using System;
using System.Diagnostics;
using SkipNet;
using SkipNet.Benchmarks;

#if SKIPNET_NET8
Parallelism.MaxDegreeOfParallelism = 1; // the netstandard2.1 build runs on the calling thread only
#endif
var framework = (System.Runtime.Versioning.TargetFrameworkAttribute?)Attribute.GetCustomAttribute(typeof(ResidualAttribute).Assembly, typeof(System.Runtime.Versioning.TargetFrameworkAttribute));
Console.WriteLine($"SkipNet.dll: {framework?.FrameworkName}");

var seed = new Seed();
var (sx, sy) = Batches.Draw(seed, 1);
Report("seed exercise TrainStep (unrolled)", () => seed.TrainStep(sx, sy, 1e-9));

var mlp = new Mlp128(1);
var (x1, y1) = Batches.Draw(mlp, 1);
var (x32, y32) = Batches.Draw(mlp, 32);
var output = new double[1];
Report("mlp-128 Forward, batch 1", () => mlp.Forward(x1, output));
Report("mlp-128 TrainStep, batch 1", () => mlp.TrainStep(x1, y1, 1e-4));
Report("mlp-128 TrainStep, batch 32", () => mlp.TrainStep(x32, y32, 1e-4));

var fashion = new FashionNet(1);
var adam = new Adam<float>(fashion, 1e-3f);
var (fx, fy) = Batches.Draw(fashion, 64);
Report("Fashion MLP Adam step, batch 64 (float)", () => fashion.TrainStep(fx, fy, adam));

var resnet = new FashionResNet(1);
var resnetAdam = new Adam<float>(resnet, 1e-3f);
var (rx, ry) = Batches.Draw(resnet, 16);
Report("Fashion ResNet Adam step, batch 16 (float)", () => resnet.TrainStep(rx, ry, resnetAdam));

static void Report(string name, Action call)
{
    for (var warm = Stopwatch.StartNew(); warm.ElapsedMilliseconds < 300;)
    {
        call();
    }

    var medians = new double[10];
    for (int round = 0; round < medians.Length; round++)
    {
        long calls = 0;
        var clock = Stopwatch.StartNew();
        while (clock.ElapsedMilliseconds < 150 || calls == 0)
        {
            call();
            calls++;
        }

        medians[round] = clock.Elapsed.TotalSeconds / calls;
    }

    Array.Sort(medians);
    double s = (medians[4] + medians[5]) / 2;
    Console.WriteLine($"{name}: {(s < 1e-6 ? $"{s * 1e9:0} ns" : s < 1e-3 ? $"{s * 1e6:0.0} µs" : s < 1 ? $"{s * 1e3:0.00} ms" : $"{s:0.00} s")}");
}
EOF

builds=(net8.0 netstandard2.1)
for build in "${builds[@]}"; do
  mkdir -p "$dir/$build"
  cp "$dir/Program.cs" "$dir/$build/"
  cat >"$dir/$build/Portable.csproj" <<EOF
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><ImplicitUsings>enable</ImplicitUsings><Nullable>enable</Nullable><Optimize>true</Optimize>
    <DefineConstants Condition="'$build' == 'net8.0'">\$(DefineConstants);SKIPNET_NET8</DefineConstants></PropertyGroup>
  <ItemGroup>
    <ProjectReference Include="$repo/src/Runtime/SkipNet.Runtime.csproj" SetTargetFramework="TargetFramework=$build" SkipGetTargetFrameworkProperties="true" />
    <ProjectReference Include="$repo/src/Generator/SkipNet.Generator.csproj" OutputItemType="Analyzer" ReferenceOutputAssembly="false" />
    <Compile Include="$repo/benchmarks/SkipNet.Benchmarks/Networks.cs" />
  </ItemGroup>
</Project>
EOF
  dotnet build "$dir/$build" -c Release -nologo -v quiet >"$dir/build.log" || { cat "$dir/build.log"; exit 1; }
done

for ((round = 1; round <= rounds; round++)); do
  for build in "${builds[@]}"; do
    dotnet "$dir/$build/bin/Release/net10.0/Portable.dll" >"$dir/$build-$round"
    echo "bench-portable: round $round, $build: done ($(head -1 "$dir/$build-$round"))" >&2
  done
done

. scripts/ranges.sh
echo
echo "| call (one thread) | .NET 8 build | netstandard2.1 build |"
echo "|---|---|---|"
tail -n +2 "$dir/net8.0-1" | sed 's/: .*//' | while read -r name; do
  row="| $name"
  for build in "${builds[@]}"; do
    row="$row | $(cat "$dir/$build"-* | grep -F "$name:" | sed 's/.*: //' | range)"
  done
  echo "$row |"
done
