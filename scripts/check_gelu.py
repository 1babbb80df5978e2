#!/usr/bin/env python3
"""Float GELU against libtorch's: scripts/check-pytorch.sh runs it around `PyTorchInterop gelu DIR`.

  check_gelu.py inputs DIR    writes DIR/gelu-x.bin: 200,000 normal draws times 3 and 100,001 points evenly over [-12, 12], float32
  check_gelu.py compare DIR   compares SkipNet's float GELU and derivative with torch.nn.functional.gelu in float and with
                              the exact values (math.erf in double), as |a - b| / max(1, |exact|); fails if SkipNet's error
                              is above 2e-7 or it is further than 5e-7 from libtorch's anywhere.
"""
import math
import os
import sys

import numpy as np
import torch


def inputs(directory):
    torch.manual_seed(0)
    x = torch.cat([torch.randn(200000) * 3, torch.linspace(-12, 12, 100001)]).float()
    x.numpy().tofile(os.path.join(directory, 'gelu-x.bin'))


def compare(directory):
    x = np.fromfile(os.path.join(directory, 'gelu-x.bin'), dtype=np.float32)
    t = torch.from_numpy(x.copy()).requires_grad_(True)
    y = torch.nn.functional.gelu(t)
    y.sum().backward()
    torch_values = {'GELU': y.detach().numpy(), "GELU'": t.grad.numpy()}
    skipnet = {'GELU': np.fromfile(os.path.join(directory, 'gelu-skipnet.bin'), dtype=np.float32),
               "GELU'": np.fromfile(os.path.join(directory, 'gelu-skipnet-derivative.bin'), dtype=np.float32)}
    xd = x.astype(np.float64)
    cdf = np.array([0.5 * (1 + math.erf(v / math.sqrt(2))) for v in xd])
    exact = {'GELU': xd * cdf, "GELU'": cdf + xd * np.exp(-xd * xd / 2) / math.sqrt(2 * math.pi)}
    failed = False
    for name in ('GELU', "GELU'"):
        scale = np.maximum(1.0, np.abs(exact[name]))
        ours = np.max(np.abs(skipnet[name] - exact[name]) / scale)
        theirs = np.max(np.abs(torch_values[name] - exact[name]) / scale)
        apart = np.max(np.abs(skipnet[name].astype(np.float64) - torch_values[name]) / scale)
        same = np.mean(skipnet[name] == torch_values[name])
        ok = ours <= 2e-7 and apart <= 5e-7
        failed |= not ok
        print(f"float {name} over {len(x)} values: SkipNet within {ours:.2e} of the exact value, libtorch {torch.__version__} "
              f"within {theirs:.2e}; the two {apart:.2e} apart, the same bits on {same:.0%}: {'ok' if ok else 'FAILED'}")
    return 1 if failed else 0


if __name__ == '__main__':
    if len(sys.argv) != 3 or sys.argv[1] not in ('inputs', 'compare'):
        print(__doc__)
        sys.exit(2)
    if sys.argv[1] == 'inputs':
        inputs(sys.argv[2])
    else:
        sys.exit(compare(sys.argv[2]))
