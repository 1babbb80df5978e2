#!/usr/bin/env bash
# Scale out on an existing engine: the FashionResNet sample's network, trained by PyTorch's
# DistributedDataParallel, comes back into SkipNet with the same test accuracy.
#   1. samples/FashionResNet --pytorch DIR writes the module (ToPyTorch), the initial weights under
#      PyTorch's names (SaveWeights(…, WeightNames.PyTorch)) and the input standardization;
#   2. scripts/train_distributed.py trains it with DDP over gloo (2 processes on this CPU, one thread
#      each; by default one epoch over all 60,000 training images, 64 images per process a step),
#      saves the state_dict (running statistics included) and prints PyTorch's eval-mode test accuracy;
#   3. samples/FashionResNet --load reads that file and prints SkipNet's test accuracy: they must be equal.
#   scripts/train-distributed.sh [--processes N] [--train N] [--epochs N] [--batch N] [--learning-rate R] [--seed N]
# Needs PyTorch (sudo apt-get install python3-torch: Debian's, at /usr/bin/python3, or PYTHON=/path/to/python)
# and Fashion-MNIST (sudo apt-get install dataset-fashion-mnist, or FASHION_MNIST_DIR=DIR). Not part of `dotnet test`.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-/usr/bin/python3}
DATA=${FASHION_MNIST_DIR:-/usr/share/datasets/fashion-mnist}
if ! "$PYTHON" -c "import torch.distributed as d; assert d.is_gloo_available()" 2>/dev/null; then
  echo "train-distributed: $PYTHON cannot import torch with gloo. Install it with: sudo apt-get install python3-torch (or set PYTHON)." >&2
  exit 2
fi

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
dotnet build samples/FashionResNet -c Release -v quiet -nologo >/dev/null
dotnet run --no-build --project samples/FashionResNet -c Release -- --data "$DATA" --pytorch "$dir"
"$PYTHON" scripts/train_distributed.py "$dir" "$DATA" "$@" | tee "$dir/pytorch.log"
dotnet run --no-build --project samples/FashionResNet -c Release -- --data "$DATA" --load "$dir/trained.safetensors" | tee "$dir/skipnet.log"
pytorch=$(sed -n 's/^pytorch test accuracy: //p' "$dir/pytorch.log")
skipnet=$(sed -n 's/^test accuracy: //p' "$dir/skipnet.log")
if [ -z "$pytorch" ] || [ "$pytorch" != "$skipnet" ]; then
  echo "train-distributed: FAILED: PyTorch's test accuracy is '$pytorch', SkipNet's with the same weights '$skipnet'" >&2
  exit 1
fi
echo "train-distributed: passed: PyTorch (DDP, eval mode) and SkipNet agree on the test accuracy, $skipnet"
