#!/usr/bin/env bash
# Validates SkipNet's ONNX export with the onnx package's own checker: four networks (every
# activation, both skip kinds, LayerNorm and Dropout, double and float) at every opset the export writes (17 to 20), each
# through onnx.checker.check_model(full_check=True), which also infers every tensor's shape.
# Not part of `dotnet test` (which runs the models in ONNX Runtime instead).
# Needs the onnx Python package: sudo apt-get install python3-onnx (Debian's, at /usr/bin/python3), or PYTHON=/path/to/python.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-/usr/bin/python3}
if ! "$PYTHON" -c "import onnx" 2>/dev/null; then
  echo "check-onnx: $PYTHON cannot import onnx. Install it with: sudo apt-get install python3-onnx (or set PYTHON)." >&2
  exit 2
fi

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
dotnet build samples/PyTorchInterop -c Release -v quiet -nologo >/dev/null
dotnet run --no-build --project samples/PyTorchInterop -c Release -- onnx "$dir"
"$PYTHON" - "$dir" <<'PY'
import glob, os, sys
import onnx

print(f"onnx {onnx.__version__} (IR {onnx.IR_VERSION}, opset {onnx.defs.onnx_opset_version()})")
checked, skipped = 0, 0
for path in sorted(glob.glob(os.path.join(sys.argv[1], "*.onnx"))):
    model = onnx.load(path)
    opset = model.opset_import[0].version
    name = os.path.basename(path)
    if model.ir_version > onnx.IR_VERSION or opset > onnx.defs.onnx_opset_version():
        print(f"{name}: IR {model.ir_version}, opset {opset}: newer than this onnx reads, skipped")
        skipped += 1
        continue
    onnx.checker.check_model(model, full_check=True)
    print(f"{name}: IR {model.ir_version}, opset {opset}, {len(model.graph.node)} nodes: valid")
    checked += 1
if checked == 0:
    sys.exit("check-onnx: no model this onnx can read")
print(f"check-onnx: {checked} models valid, {skipped} too new for onnx {onnx.__version__}")
PY
