"""The Python half of scripts/check-pytorch.sh.

For each network the .NET half exported into DIR: loads SkipNet's weights (PyTorch's names) into the
module NetworkArchitecture.ToPyTorch() wrote, and checks that PyTorch computes SkipNet's outputs,
loss and gradients. Then the reverse: a module initialised by PyTorch is saved, trained for three
SGD steps and saved again, for the .NET half to load and retrace.
"""
import importlib.util
import json
import sys

import torch

from torch_safetensors import WRITER, load_file, save_file


def worst(actual, expected):
    """max |a − e| / max(1, |e|)"""
    a, e = actual.detach().reshape(-1), expected.detach().reshape(-1)
    return ((a - e).abs() / e.abs().clamp(min=1)).max().item()


def floats(values):
    return [float(v) for v in values]


class FixedMask(torch.nn.Module):
    """nn.Dropout with a given mask (0, or 1/(1 − p)): SkipNet's draws instead of PyTorch's."""

    def __init__(self, mask):
        super().__init__()
        self.mask = mask

    def forward(self, x):
        return x * self.mask.reshape(x.shape)


def use_masks(net, masks, call, rows):
    """Puts the masks SkipNet drew for this call in place of each nn.Dropout (keys 'layer.call')."""
    for key, mask in masks.items():
        layer, _, which = key.rpartition(".")
        if which == call:
            net.add_module(layer, FixedMask(mask.reshape(rows, -1)))


def main(directory):
    torch.set_default_dtype(torch.float64)
    failures = 0
    for name in ["Classifier", "Regressor", "Normed", "Imaged", "Functional"]:
        stem = f"{directory}/{name}"
        spec = importlib.util.spec_from_file_location(name, stem + ".py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        cls = getattr(module, name)

        # SkipNet → PyTorch: the same outputs, loss and gradients.
        net = cls().double()
        net.load_state_dict(load_file(stem + ".safetensors"), strict=True)
        with open(stem + ".batch.json") as f:
            batch = {k: floats(v) for k, v in json.load(f).items()}
        with open(stem + ".masks.json") as f:
            masks = {k: torch.tensor(floats(v)) for k, v in json.load(f).items()}
        rows = int(batch["batch"][0])
        with torch.no_grad():
            eval_error = worst(net.eval()(torch.tensor(batch["x"]).reshape(rows, cls.input_size)), torch.tensor(batch["output"]))
        # InputGradient: autograd's dL/dx of the eval-mode loss.
        x_eval = torch.tensor(batch["x"]).reshape(rows, cls.input_size).requires_grad_()
        eval_loss = module.loss_fn(net(x_eval), torch.tensor(batch["y"]).reshape(rows, cls.output_size))
        eval_loss.backward()
        input_error = max(worst(eval_loss, torch.tensor(batch["eval_loss"])),
                          worst(x_eval.grad.reshape(-1), torch.tensor(batch["input_gradient"])))
        net.zero_grad()
        net.train()
        use_masks(net, masks, "backward", rows)
        x = torch.tensor(batch["x"]).reshape(rows, cls.input_size)
        y = torch.tensor(batch["y"]).reshape(rows, cls.output_size)
        out = net(x)
        loss = module.loss_fn(out, y)
        loss.backward()
        grads = load_file(stem + ".grad.safetensors")
        loss_error = worst(loss, torch.tensor(batch["loss"]))
        grad_error = max(worst(p.grad, grads[n]) for n, p in net.named_parameters())
        ok = max(loss_error, grad_error) <= 1e-12
        ok = ok and eval_error <= 1e-12 and input_error <= 1e-12
        failures += not ok
        print(f"{name}: SkipNet's weights in PyTorch {torch.__version__}: outputs agree to {eval_error:.2e} and dL/dx to {input_error:.2e} (eval mode), loss to {loss_error:.2e}, "
              f"gradients to {grad_error:.2e} (train mode{', SkipNet' + chr(39) + 's dropout masks' if masks else ''}): {'ok' if ok else 'FAILED'}")

        # PyTorch → SkipNet: PyTorch's own initial weights, its outputs, and its weights after three SGD steps.
        torch.manual_seed(7)
        fresh = cls().double()
        save_file({k: v.contiguous() for k, v in fresh.state_dict().items()}, stem + ".torch-initial.safetensors")
        x2 = torch.rand(5, cls.input_size) * 4 - 2
        if "CrossEntropy" in type(module.loss_fn).__name__:
            y2 = torch.nn.functional.one_hot(torch.randint(cls.output_size, (5,)), cls.output_size).double()
        else:
            y2 = torch.rand(5, cls.output_size) * 2 - 1
        with torch.no_grad():
            initial_output = fresh.eval()(x2)
        fresh.train()
        lr = 0.05
        optimizer = torch.optim.SGD(fresh.parameters(), lr=lr)
        for step in range(3):
            use_masks(fresh, masks, f"step{step}", 5)
            optimizer.zero_grad()
            module.loss_fn(fresh(x2), y2).backward()
            optimizer.step()
        save_file({k: v.contiguous() for k, v in fresh.state_dict().items()}, stem + ".torch-trained.safetensors")
        with open(stem + ".torch.json", "w") as f:
            json.dump({"x": [repr(v) for v in x2.reshape(-1).tolist()], "y": [repr(v) for v in y2.reshape(-1).tolist()],
                       "output": [repr(v) for v in initial_output.reshape(-1).tolist()], "lr": [repr(lr)], "batch": ["5"]}, f)
        print(f"{name}: wrote PyTorch's initial weights, outputs and weights after 3 SGD steps with {WRITER}")
    return failures


if __name__ == "__main__":
    sys.exit(1 if main(sys.argv[1]) else 0)
