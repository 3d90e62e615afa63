"""Dropout only after the first two hidden layers (i < 2): a third hidden layer gets none."""
from torch import nn

LAB, CHECKS, EXPECT = "lab4", ["WineMLP"], "wine.dropout_missing"


class WineMLP(nn.Module):
    def __init__(self, n_in, hidden, activation=nn.ReLU, dropout=0.0):
        super().__init__()
        layers, width = [], n_in
        for i, h in enumerate(hidden):
            layers += [nn.Linear(width, h), activation()]
            if dropout and i < 2:
                layers.append(nn.Dropout(dropout))
            width = h
        layers.append(nn.Linear(width, 1))
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)
