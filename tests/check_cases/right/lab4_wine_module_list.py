"""WineMLP of layer lists: each hidden layer, its activation, then dropout, in forward."""
import torch.nn.functional as F
from torch import nn

LAB, CHECKS = "lab4", ["WineMLP"]


class WineMLP(nn.Module):
    def __init__(self, n_in, hidden, activation=nn.ReLU, dropout=0.0):
        super().__init__()
        sizes = [n_in] + list(hidden)
        self.hidden_layers = nn.ModuleList([nn.Linear(a, b) for a, b in zip(sizes[:-1],
                                                                            sizes[1:])])
        self.acts = nn.ModuleList([activation() for _ in hidden])
        self.p = dropout
        self.head = nn.Linear(sizes[-1], 1)

    def forward(self, x):
        for layer, act in zip(self.hidden_layers, self.acts):
            x = F.dropout(act(layer(x)), self.p, training=self.training)
        return self.head(x)
