"""An extra dropout on the input features, before the first linear layer."""
from torch import nn

LAB, CHECKS, EXPECT = "lab4", ["WineMLP"], "wine.dropout_input"


class WineMLP(nn.Module):
    def __init__(self, n_in, hidden, activation=nn.ReLU, dropout=0.0):
        super().__init__()
        layers, w = [nn.Dropout(dropout)], n_in
        for h in hidden:
            layers += [nn.Linear(w, h), activation(), nn.Dropout(dropout)]
            w = h
        layers.append(nn.Linear(w, 1))
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)
