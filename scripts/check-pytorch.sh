#!/usr/bin/env bash
# The PyTorch round trip, both ways, on five networks with every activation and skip kind, LayerNorm,
# BatchNorm, Dropout, the image layers (convolutions, pools, BatchNorm2d, 1×1 projections) and
# [Differentiable] functions (every operation of their grammar, a loss of one's own); SkipNet's
# dropout masks, exported, replace PyTorch's draws; outputs are compared in eval mode:
#   SkipNet → PyTorch: the module from NetworkArchitecture.ToPyTorch() with SkipNet's weights
#                      (SaveWeights(…, WeightNames.PyTorch)) computes SkipNet's outputs, loss and gradients,
#                      and autograd's dL/dx in eval mode is InputGradient's;
#   PyTorch → SkipNet: weights PyTorch saved load with LoadWeights, give PyTorch's outputs, and three
#                      SGD steps in SkipNet end at PyTorch's weights after three torch.optim.SGD steps.
# Everything must agree to 1e-12 (scaled by max(1, |value|)). Then float GELU and its derivative on
# 300,001 floats against libtorch's (scripts/check_gelu.py). Not part of `dotnet test`.
# Needs PyTorch: sudo apt-get install python3-torch (Debian's, at /usr/bin/python3), or PYTHON=/path/to/python.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-/usr/bin/python3}
if ! "$PYTHON" -c "import torch" 2>/dev/null; then
  echo "check-pytorch: $PYTHON cannot import torch. Install it with: sudo apt-get install python3-torch (or set PYTHON)." >&2
  exit 2
fi

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
dotnet build samples/PyTorchInterop -c Release -v quiet -nologo >/dev/null
dotnet run --no-build --project samples/PyTorchInterop -c Release -- export "$dir"
"$PYTHON" scripts/check_pytorch.py "$dir"
dotnet run --no-build --project samples/PyTorchInterop -c Release -- check "$dir"
# A float network's GELU and its derivative, computed in float as libtorch computes them (docs/conventions.md).
"$PYTHON" scripts/check_gelu.py inputs "$dir"
dotnet run --no-build --project samples/PyTorchInterop -c Release -- gelu "$dir"
"$PYTHON" scripts/check_gelu.py compare "$dir"
echo "check-pytorch: passed"
