"""Dropout by hand with a random mask, the values kept not scaled by 1 / (1 - p)."""
import torch
from torch import nn

LAB, CHECKS, EXPECT = "lab4", ["WineMLP"], "wine.dropout_unscaled"


class WineMLP(nn.Module):
    def __init__(self, n_in, hidden, activation=nn.ReLU, dropout=0.0):
        super().__init__()
        sizes = [n_in, *hidden]
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes, sizes[1:]))
        self.act, self.p = activation(), dropout
        self.out = nn.Linear(sizes[-1], 1)

    def forward(self, x):
        for layer in self.layers:
            x = self.act(layer(x))
            if self.training and self.p > 0:
                x = x * (torch.rand_like(x) >= self.p)
        return self.out(x)
