"""safetensors for the scripts that hand weights to PyTorch (check_pytorch.py, train_distributed.py).

The reference implementation (safetensors.torch) when it is installed; otherwise a reader and writer
of the format's few rules (an 8-byte little-endian header length, a JSON header, the raw tensors),
for the F64, F32 and I64 tensors SkipNet writes. Debian's python3-torch comes without it.
"""
import json
import struct

import torch

try:
    from safetensors.torch import load_file, save_file  # the reference implementation, when installed

    WRITER = "safetensors.torch"
except ImportError:
    WRITER = "torch_safetensors.py's writer (the safetensors package is not installed)"
    DTYPES = {"F64": torch.float64, "F32": torch.float32, "I64": torch.int64}
    NAMES = {torch.float64: "F64", torch.float32: "F32", torch.int64: "I64"}

    def load_file(path):
        with open(path, "rb") as f:
            data = f.read()
        (n,) = struct.unpack("<Q", data[:8])
        header = json.loads(data[8 : 8 + n])
        header.pop("__metadata__", None)
        start = 8 + n
        return {
            name: torch.frombuffer(bytearray(data[start + e["data_offsets"][0] : start + e["data_offsets"][1]]), dtype=DTYPES[e["dtype"]]).reshape(e["shape"])
            for name, e in header.items()
        }

    def save_file(tensors, path, metadata=None):
        header, blobs, offset = {}, [], 0
        for name in sorted(tensors):
            t = tensors[name].detach().contiguous()
            blob = t.numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()
            header[name] = {"dtype": NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(blob)]}
            blobs.append(blob)
            offset += len(blob)
        if metadata:
            header["__metadata__"] = metadata
        text = json.dumps(header, separators=(",", ":")).encode()
        text += b" " * (-len(text) % 8)
        with open(path, "wb") as f:
            f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))

