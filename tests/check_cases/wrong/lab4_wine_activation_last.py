"""The activation after the output layer as well."""
from torch import nn

LAB, CHECKS, EXPECT = "lab4", ["WineMLP"], "wine.activation_on_output"


class WineMLP(nn.Module):
    def __init__(self, n_in, hidden, activation=nn.ReLU, dropout=0.0):
        super().__init__()
        layers, width = [], n_in
        for size in list(hidden) + [1]:
            layers += [nn.Linear(width, size), activation()]
            if dropout and size != 1:
                layers.append(nn.Dropout(dropout))
            width = size
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)
