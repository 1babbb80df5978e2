#!/usr/bin/env bash
# NativeAOT, as a user publishes it: samples/SeedExercise and samples/FashionMnist with
# -p:PublishAot=true (the generator referenced as an analyzer), each run against its JIT run, and a
# fresh project on the packed package (the seed exercise's losses and dL/dx, exactly).
#   - With -p:IlcInstructionSet=native (this CPU's instructions, as the JIT uses them) the seed
#     exercise prints the same text and one epoch of Fashion-MNIST ends at the same weights, bit
#     for bit. Anything else fails.
#   - With the default instruction set (x86-64-v2 on x64: no AVX, no FMA) the seed exercise must
#     still print the same text; Fashion-MNIST's numbers round differently, and the script prints
#     both runs' last lines side by side.
# Prints each binary's size and how long the seed exercise takes from start to exit.
# Needs clang (sudo apt-get install clang) and, for Fashion-MNIST, the data
# (sudo apt-get install dataset-fashion-mnist, or FASHION_MNIST_DIR). Not part of `dotnet test`.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v clang >/dev/null; then
  echo "check-aot: NativeAOT links with clang: sudo apt-get install clang" >&2
  exit 2
fi

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
case "$(uname -m)" in x86_64) rid=linux-x64 ;; aarch64) rid=linux-arm64 ;; *) rid=linux-$(uname -m) ;; esac
failures=0

publish() { # sample, output name, extra properties…
  local sample=$1 name=$2
  shift 2
  dotnet publish "samples/$sample" -c Release -r "$rid" -p:PublishAot=true "$@" -o "$dir/$name" -v quiet -nologo >/dev/null
}

elapsed() { # command…: seconds from start to exit, the best of three
  local best=
  for _ in 1 2 3; do
    local start end
    start=$(date +%s.%N)
    "$@" >/dev/null
    end=$(date +%s.%N)
    best=$(echo "$start $end $best" | awk '{ t = $2 - $1; if ($3 == "" || t < $3) print t; else print $3 }')
  done
  printf '%.3f' "$best"
}

dotnet build samples/SeedExercise -c Release -v quiet -nologo >/dev/null
jit=(dotnet samples/SeedExercise/bin/Release/net10.0/SeedExercise.dll)
expected=$("${jit[@]}")
for variant in native default; do
  if [ "$variant" = native ]; then publish SeedExercise seed-$variant -p:IlcInstructionSet=native; else publish SeedExercise seed-$variant; fi
  binary="$dir/seed-$variant/SeedExercise"
  if [ "$("$binary")" = "$expected" ]; then verdict=ok; else verdict=FAILED; failures=$((failures + 1)); fi
  echo "seed exercise, NativeAOT ($variant instruction set): the JIT run's text: $verdict; binary $(stat -c %s "$binary") bytes; start to exit $(elapsed "$binary") s (JIT: $(elapsed "${jit[@]}") s)"
done

# From the package, as a user would: a fresh project with a PackageReference to the packed SkipNet
# (the generator in analyzers/), published with NativeAOT.
dotnet pack src/Runtime -c Release -o "$dir/feed" -v quiet -nologo >/dev/null
mkdir -p "$dir/user"
cat >"$dir/user/nuget.config" <<CONFIG
<?xml version="1.0" encoding="utf-8"?>
<configuration><packageSources><add key="skipnet" value="$dir/feed" /></packageSources></configuration>
CONFIG
cat >"$dir/user/user.csproj" <<PROJECT
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><Nullable>enable</Nullable>
    <TreatWarningsAsErrors>true</TreatWarningsAsErrors><RestorePackagesPath>$dir/packages</RestorePackagesPath></PropertyGroup>
  <ItemGroup><PackageReference Include="SkipNet" Version="*-*" /></ItemGroup>
</Project>
PROJECT
cat >"$dir/user/Program.cs" <<'PROGRAM'
using SkipNet;

var net = new Seed();
foreach (var block in Seed.Blocks)
{
    block.Of(net.Parameters).Fill(block.Name.EndsWith(".b") ? 0 : 0.5);
}

double[] x = [1.0], y = [-3.0], dx = new double[1];
double before = net.InputGradient(x, y, dx);
net.TrainStep(x, y, 1.0);
System.Console.WriteLine($"loss {before} → {net.Evaluate(x, y)}, dL/dx {dx[0]}");

[Residual(Inputs = 1, Loss = Loss.L1)]
[Dense("h0", 1, Activation.ReLU)]
[Dense("h1", 1, Activation.ReLU)]
[Dense("y", 1)]
[Skip("h0", "y", SkipKind.Weighted)]
partial class Seed;
PROGRAM
dotnet publish "$dir/user" -c Release -r "$rid" -p:PublishAot=true -o "$dir/user-aot" -v quiet -nologo >/dev/null
printed=$("$dir/user-aot/user")
if [ "$printed" = "loss 3.375 → 2, dL/dx 0.375" ]; then verdict=ok; else verdict=FAILED; failures=$((failures + 1)); fi
echo "a fresh project on the packed SkipNet, NativeAOT: '$printed' (expected 'loss 3.375 → 2, dL/dx 0.375'): $verdict"

data=${FASHION_MNIST_DIR:-/usr/share/datasets/fashion-mnist}
if [ ! -e "$data/train-images-idx3-ubyte.gz" ] && [ ! -e "$data/train-images-idx3-ubyte" ]; then
  echo "check-aot: no Fashion-MNIST in $data: its part is left out (sudo apt-get install dataset-fashion-mnist)"
else
  dotnet build samples/FashionMnist -c Release -v quiet -nologo >/dev/null
  dotnet run --no-build --project samples/FashionMnist -c Release -- --epochs 1 --save "$dir/jit.safetensors" >"$dir/jit.txt"
  for variant in native default; do
    if [ "$variant" = native ]; then publish FashionMnist fm-$variant -p:IlcInstructionSet=native; else publish FashionMnist fm-$variant; fi
    "$dir/fm-$variant/FashionMnist" --epochs 1 --save "$dir/$variant.safetensors" >"$dir/$variant.txt"
    if cmp -s "$dir/jit.safetensors" "$dir/$variant.safetensors"; then same="the same weights, bit for bit"; else same="other weights"; fi
    if [ "$variant" = native ] && [ "$same" != "the same weights, bit for bit" ]; then failures=$((failures + 1)); same="$same: FAILED"; fi
    echo "Fashion-MNIST, one epoch, NativeAOT ($variant instruction set): $same as the JIT's; binary $(stat -c %s "$dir/fm-$variant/FashionMnist") bytes"
    echo "  NativeAOT: $(tail -n 2 "$dir/$variant.txt" | tr '\n' ' ')"
    echo "  JIT:       $(tail -n 2 "$dir/jit.txt" | tr '\n' ' ')"
  done
fi

if [ "$failures" -ne 0 ]; then
  echo "check-aot: $failures check(s) FAILED"
  exit 1
fi
echo "check-aot: passed"
