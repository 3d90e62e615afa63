"""Dropout between each linear layer and its activation: what a Tanh or a Sigmoid computes
changes."""
from torch import nn

LAB, CHECKS, EXPECT = "lab4", ["WineMLP"], "wine.dropout_before_activation"


class WineMLP(nn.Module):
    def __init__(self, n_in, hidden, activation=nn.ReLU, dropout=0.0):
        super().__init__()
        layers, width = [], n_in
        for h in hidden:
            layers.append(nn.Linear(width, h))
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            layers.append(activation())
            width = h
        layers.append(nn.Linear(width, 1))
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)
