"""F.dropout without training=self.training: dropping in eval mode too."""
import torch.nn.functional as F
from torch import nn

LAB, CHECKS, EXPECT = "lab4", ["WineMLP"], "model.dropout_in_eval"


class WineMLP(nn.Module):
    def __init__(self, n_in, hidden, activation=nn.ReLU, dropout=0.0):
        super().__init__()
        sizes = [n_in] + list(hidden)
        self.hidden = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes, sizes[1:]))
        self.act, self.p = activation(), dropout
        self.out = nn.Linear(sizes[-1], 1)

    def forward(self, x):
        for layer in self.hidden:
            x = F.dropout(self.act(layer(x)), self.p)
        return self.out(x)
