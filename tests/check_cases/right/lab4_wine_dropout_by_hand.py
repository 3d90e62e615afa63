"""WineMLP with dropout written by hand: a Bernoulli mask of keep probability 1 - p, the kept
values divided by 1 - p, in training mode only."""
import torch
from torch import nn

LAB, CHECKS = "lab4", ["WineMLP"]


class WineMLP(nn.Module):
    def __init__(self, n_in, hidden, activation=nn.ReLU, dropout=0.0):
        super().__init__()
        sizes = [n_in, *hidden]
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes, sizes[1:]))
        self.acts = nn.ModuleList(activation() for _ in hidden)
        self.p = dropout
        self.out = nn.Linear(sizes[-1], 1)

    def forward(self, x):
        for layer, act in zip(self.layers, self.acts):
            x = act(layer(x))
            if self.training and self.p > 0:
                keep = torch.bernoulli(torch.full_like(x, 1 - self.p))
                x = x * keep / (1 - self.p)
        return self.out(x)
