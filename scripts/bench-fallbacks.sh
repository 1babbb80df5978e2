#!/usr/bin/env bash
# What each instruction-set fallback costs: the mlp-128 Forward at batch 1 and TrainStep at batch 1 and 32 (one thread,
# `-- steps` of benchmarks/SkipNet.Benchmarks) and one epoch of samples/FashionMnist on one thread,
# with every vector width the CPU has, then without AVX-512 (DOTNET_EnableAVX512=0), without AVX2
# and FMA (DOTNET_EnableAVX2=0) and without any hardware intrinsic (DOTNET_EnableHWIntrinsic=0).
# The settings take turns, ROUNDS times (default 2), each in its own process (the runtime fixes
# them per process); prints a Markdown table with the range of the rounds. Not part of `dotnet test`.
# The epoch needs Fashion-MNIST (sudo apt-get install dataset-fashion-mnist, or FASHION_MNIST_DIR).
#   scripts/bench-fallbacks.sh
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${ROUNDS:-2}
dotnet build benchmarks/SkipNet.Benchmarks -c Release -nologo -v quiet >/dev/null
dotnet build samples/FashionMnist -c Release -nologo -v quiet >/dev/null
lscpu | grep -E "Model name" | sed 's/  */ /g'
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
settings=("A=1" "DOTNET_EnableAVX512=0" "DOTNET_EnableAVX2=0" "DOTNET_EnableHWIntrinsic=0")
names=("all the CPU has" "no AVX-512" "no AVX2, no FMA" "no intrinsics (scalar)")
for ((round = 1; round <= rounds; round++)); do
  for i in "${!settings[@]}"; do
    env "${settings[$i]}" dotnet benchmarks/SkipNet.Benchmarks/bin/Release/net10.0/SkipNet.Benchmarks.dll steps >"$out/steps-$i-$round"
    env "${settings[$i]}" dotnet samples/FashionMnist/bin/Release/net10.0/FashionMnist.dll --epochs 1 --threads 1 --out "$out/plots" >"$out/epoch-$i-$round"
    echo "bench-fallbacks: round $round, ${names[$i]}: done" >&2
  done
done

. scripts/ranges.sh
echo
echo "| instruction sets | vectors | mlp-128 Forward, batch 1 | mlp-128 TrainStep, batch 1 | mlp-128 TrainStep, batch 32 | Fashion-MNIST epoch (1 thread) | test accuracy |"
echo "|---|---|---|---|---|---|---|"
for i in "${!settings[@]}"; do
  vectors=$(head -1 "$out/steps-$i-1" | sed 's/vectors: //')
  f1=$(cat "$out"/steps-"$i"-* | grep "Forward, batch 1:" | sed 's/.*: //' | range)
  b1=$(cat "$out"/steps-"$i"-* | grep "TrainStep, batch 1:" | sed 's/.*: //' | range)
  b32=$(cat "$out"/steps-"$i"-* | grep "TrainStep, batch 32:" | sed 's/.*: //' | range)
  epoch=$(cat "$out"/epoch-"$i"-* | grep "training time:" | sed 's/training time: //' | range)
  accuracy=$(cat "$out"/epoch-"$i"-* | grep "test accuracy:" | sed 's/test accuracy: //' | sort -u | paste -sd/)
  echo "| ${names[$i]} | $vectors | $f1 | $b1 | $b32 | $epoch | $accuracy |"
done
