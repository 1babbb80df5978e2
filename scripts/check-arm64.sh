#!/usr/bin/env bash
# ARM64 on an x64 machine: publishes samples for linux-arm64 (self-contained, JIT) and runs them
# under qemu's user-mode emulator, where the JIT writes ARM64 code and the kernels take their
# Vector128 (NEON) paths.
#   - samples/SeedExercise (unrolled code) must print exactly the text of the x64 run;
#   - with --fashion, one epoch of samples/FashionMnist (looped code, 128-bit vectors with FMA): its
#     epoch line is printed beside the x64 run's (different vector widths sum in a different order,
#     so the digits may differ in the last places). About 5 minutes under emulation.
# Needs qemu-user-static and Debian's arm64 cross libraries (the dynamic loader, libc, libstdc++):
#   sudo apt-get install qemu-user-static libc6-arm64-cross libstdc++6-arm64-cross libgcc-s1-arm64-cross
# Not part of `dotnet test`.
set -euo pipefail
cd "$(dirname "$0")/.."
sysroot=/usr/aarch64-linux-gnu
if ! command -v qemu-aarch64-static >/dev/null || [ ! -e "$sysroot/lib/ld-linux-aarch64.so.1" ]; then
  echo "check-arm64: needs qemu-aarch64-static and $sysroot: sudo apt-get install qemu-user-static libc6-arm64-cross libstdc++6-arm64-cross libgcc-s1-arm64-cross" >&2
  exit 2
fi

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 # the cross sysroot has no ICU
arm() { qemu-aarch64-static -L "$sysroot" "$@"; }

dotnet publish samples/SeedExercise -c Release -r linux-arm64 --self-contained -o "$dir/seed" -v quiet -nologo >/dev/null
dotnet build samples/SeedExercise -c Release -v quiet -nologo >/dev/null
if [ "$(arm "$dir/seed/SeedExercise")" = "$(dotnet samples/SeedExercise/bin/Release/net10.0/SeedExercise.dll)" ]; then
  echo "seed exercise on ARM64 (qemu): the x64 run's text, exactly"
else
  echo "check-arm64: the seed exercise on ARM64 printed other text: FAILED"
  exit 1
fi

if [ "${1:-}" = "--fashion" ]; then
  dotnet publish samples/FashionMnist -c Release -r linux-arm64 --self-contained -o "$dir/fm" -v quiet -nologo >/dev/null
  dotnet build samples/FashionMnist -c Release -v quiet -nologo >/dev/null
  arm "$dir/fm/FashionMnist" --epochs 1 >"$dir/arm.txt"
  dotnet run --no-build --project samples/FashionMnist -c Release -- --epochs 1 >"$dir/x64.txt"
  echo "Fashion-MNIST, one epoch (epoch, learning rate, training loss, test loss, test accuracy, seconds):"
  echo "  ARM64 (qemu): $(grep '│ 1 ' "$dir/arm.txt")"
  echo "  x64:          $(grep '│ 1 ' "$dir/x64.txt")"
fi
echo "check-arm64: passed"
