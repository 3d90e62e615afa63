"""nn.Dropout() whenever dropout > 0: p = 0.5 always, the dropout value itself ignored."""
from torch import nn

LAB, CHECKS, EXPECT = "lab4", ["WineMLP"], "wine.dropout_fixed"


class WineMLP(nn.Module):
    def __init__(self, n_in, hidden, activation=nn.ReLU, dropout=0.0):
        super().__init__()
        layers, w = [], n_in
        for h in hidden:
            layers += [nn.Linear(w, h), activation()]
            if dropout > 0:
                layers.append(nn.Dropout())
            w = h
        layers.append(nn.Linear(w, 1))
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)
