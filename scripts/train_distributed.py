"""The Python half of scripts/train-distributed.sh: PyTorch DistributedDataParallel trains a SkipNet network.

DIR holds what `samples/FashionResNet --pytorch DIR` wrote: model.py (NetworkArchitecture.ToPyTorch),
weights.safetensors (the initial weights under PyTorch's names) and standardization.json (the
training pixels' mean and standard deviation, so that PyTorch sees the very floats SkipNet sees).

  python3 scripts/train_distributed.py DIR DATA [--processes 2] [--train 60000] [--epochs 1]
                                               [--batch 64] [--learning-rate 1e-3] [--seed 1]

Starts --processes processes on this machine (gloo, the CPU backend), each one thread. Each trains
the module wrapped in DistributedDataParallel on its share of the first --train training images
(DistributedSampler), --batch per process, so --processes × --batch images a step: gradients are
averaged across processes in backward, and BatchNorm's running statistics are rank 0's (DDP
broadcasts them at every forward). Rank 0 then saves the trained state_dict (running statistics
included) to DIR/trained.safetensors and prints the test accuracy in eval mode over all 10,000 test
images, as `pytorch test accuracy: 0.xxxx`, for the .NET half to compare with its own.
"""
import argparse
import gzip
import importlib.util
import json
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset

from torch_safetensors import WRITER, load_file, save_file


def read_idx(directory, stem):
    """An IDX file of unsigned bytes (plain or .gz) as a numpy array of its dimensions."""
    path = os.path.join(directory, stem)
    opener = open if os.path.exists(path) else gzip.open
    with opener(path if os.path.exists(path) else path + ".gz", "rb") as f:
        data = f.read()
    if data[2] != 0x08:
        raise ValueError(f"{stem}: not an IDX file of unsigned bytes")
    dims = struct.unpack(">" + "I" * data[3], data[4 : 4 + 4 * data[3]])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * data[3]).reshape(dims)


def images(directory, stem, mean, std):
    """As the FashionMnist program computes them: p / 255 in float, then (v − mean) / std in double, to float."""
    pixels = read_idx(directory, stem).reshape(-1, 784)
    scaled = pixels.astype(np.float32) / np.float32(255)
    return torch.from_numpy(((scaled.astype(np.float64) - mean) / std).astype(np.float32))


def load_module(directory):
    spec = importlib.util.spec_from_file_location("skipnet_model", os.path.join(directory, "model.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def train(rank, args, standardization):
    os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
    os.environ.setdefault("MASTER_PORT", str(args.port))
    dist.init_process_group("gloo", rank=rank, world_size=args.processes)
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)

    model = load_module(args.directory)
    net = model.Net()
    net.load_state_dict(load_file(os.path.join(args.directory, "weights.safetensors")), strict=True)
    ddp = DistributedDataParallel(net)
    optimizer = torch.optim.Adam(ddp.parameters(), lr=args.learning_rate)

    x = images(args.data, "train-images-idx3-ubyte", *standardization)[: args.train]
    labels = torch.from_numpy(read_idx(args.data, "train-labels-idx1-ubyte").astype(np.int64))[: args.train]
    sampler = DistributedSampler(TensorDataset(x, labels), num_replicas=args.processes, rank=rank, shuffle=True, seed=args.seed)
    loader = DataLoader(TensorDataset(x, labels), batch_size=args.batch, sampler=sampler)

    start = time.perf_counter()
    for epoch in range(args.epochs):
        sampler.set_epoch(epoch)
        ddp.train()
        total, count = 0.0, 0
        for batch, target in loader:
            optimizer.zero_grad()
            loss = model.loss_fn(ddp(batch), target)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(target)
            count += len(target)
        if rank == 0:
            print(f"rank 0, epoch {epoch + 1}: training loss {total / count:.4f} over its {count} images, {time.perf_counter() - start:.1f} s", flush=True)

    if rank == 0:
        net.eval()
        test = images(args.data, "t10k-images-idx3-ubyte", *standardization)
        test_labels = torch.from_numpy(read_idx(args.data, "t10k-labels-idx1-ubyte").astype(np.int64))
        with torch.no_grad():
            predicted = torch.cat([net(test[i : i + 500]).argmax(dim=1) for i in range(0, len(test), 500)])
        path = os.path.join(args.directory, "trained.safetensors")
        save_file({k: v.detach().contiguous() for k, v in net.state_dict().items()}, path)
        print(f"{args.processes} processes × {args.batch} images a step, {args.epochs} epochs over {len(labels)} images: {time.perf_counter() - start:.1f} s")
        print(f"trained weights saved to {path} with {WRITER}")
        print(f"pytorch test accuracy: {(predicted == test_labels).double().mean().item():.4f}", flush=True)
    dist.barrier()
    dist.destroy_process_group()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("directory")
    parser.add_argument("data")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--train", type=int, default=60000)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--port", type=int, default=29517)
    args = parser.parse_args()
    with open(os.path.join(args.directory, "standardization.json")) as f:
        s = json.load(f)
    print(f"torch {torch.__version__}, DistributedDataParallel over gloo, {args.processes} processes", flush=True)
    mp.spawn(train, args=(args, (s["mean"], s["std"])), nprocs=args.processes, join=True)


if __name__ == "__main__":
    sys.exit(main())
