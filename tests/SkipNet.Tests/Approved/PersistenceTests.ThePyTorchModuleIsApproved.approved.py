# The PyTorch module equivalent to a SkipNet declaration: same layers, skips, activations and loss.
# Its state_dict names are SkipNet's WeightNames.PyTorch; weights move both ways as safetensors.
import torch
from torch import nn
import torch.nn.functional as F


class SeedNet(nn.Module):
    """x: 1 -> h0: 1 ReLU -> h1: 1 ReLU -> y: 1 Identity; skip h0 -> y (weighted); loss L1."""

    input_size = 1
    output_size = 1

    def __init__(self):
        super().__init__()
        self.h0 = nn.Linear(1, 1)
        self.h1 = nn.Linear(1, 1)
        self.y = nn.Linear(1, 1)
        self.h0_to_y = nn.Linear(1, 1, bias=False)

    def forward(self, x):
        h0 = torch.relu(self.h0(x))
        h1 = torch.relu(self.h1(h0))
        y = self.y(h1) + self.h0_to_y(h0)
        return y


# The training loss, as SkipNet's L1: the mean over all outputs.
loss_fn = nn.L1Loss()
