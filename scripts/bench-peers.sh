#!/usr/bin/env bash
# SkipNet's products against the in-run FMA peak (their share of this CPU's limit, with the cache-derived
# block sizes); SkipNet against TorchSharp (libtorch) in one process, alternating, at 1 and 2 threads: the five
# TrainStep networks (+ mlp-512 in float), an epoch of the Fashion-MNIST MLP and of the FashionResNet;
# then Forward against ONNX Runtime (CPU) on the MLP and the ResNet at batch 1 and 128. Prints a
# Markdown table (docs/performance.md shows the latest), each row with its target, if it has one, and
# whether it was met. Not part of `dotnet test`; it restores TorchSharp-cpu
# (libtorch, several hundred MB) on first use and marks one GLIBCXX version requirement of the
# output's copy of libLibTorchSharp.so weak (scripts/weaken-glibcxx.py) so that it loads on Debian 12.
# The one-thread TrainStep rows run once per CPU of --pin (default: every CPU), both sides on the
# calling thread pinned there, since one vCPU of a virtual machine may run a step 1.5x slower than another.
#   scripts/bench-peers.sh [--threads 1,2] [--parts products,steps,fashion,resnet,onnx] [--fashion-epochs N] [--resnet-epochs N] [--data DIR] [--pin 0,1|none]
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build benchmarks/SkipNet.Peers -c Release -nologo -v quiet
lscpu | grep -E "Model name|^CPU\(s\)" | sed 's/  */ /g'
dotnet benchmarks/SkipNet.Peers/bin/Release/net10.0/SkipNet.Peers.dll "$@"
