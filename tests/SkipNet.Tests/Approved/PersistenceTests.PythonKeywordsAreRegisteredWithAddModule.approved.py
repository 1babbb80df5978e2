# The PyTorch module equivalent to a SkipNet declaration: same layers, skips, activations and loss.
# Its state_dict names are SkipNet's WeightNames.PyTorch; weights move both ways as safetensors.
import torch
from torch import nn
import torch.nn.functional as F


class KeywordNet(nn.Module):
    """x: 2 -> lambda: 3 Softplus -> None: 3 LeakyReLU -> pass: 2 Identity; skip lambda -> pass (weighted); skip x -> None (weighted); skip lambda -> None (identity); loss Huber."""

    input_size = 2
    output_size = 2

    def __init__(self):
        super().__init__()
        self.add_module("lambda", nn.Linear(2, 3))
        self.add_module("None", nn.Linear(3, 3))
        self.add_module("pass", nn.Linear(3, 2))
        self.lambda_to_pass = nn.Linear(3, 2, bias=False)
        self.x_to_None = nn.Linear(2, 3, bias=False)

    def forward(self, x):
        h_0 = F.softplus(getattr(self, "lambda")(x))
        h_1 = F.leaky_relu(getattr(self, "None")(h_0) + self.x_to_None(x) + h_0, 0.2)
        h_2 = getattr(self, "pass")(h_1) + self.lambda_to_pass(h_0)
        return h_2


# The training loss, as SkipNet's Huber: the mean over all outputs.
loss_fn = nn.HuberLoss(delta=0.5)
