"""dropout read as a keep probability: nn.Dropout(1 - dropout), so dropout=0.2 drops 80%."""
from torch import nn

LAB, CHECKS, EXPECT = "lab4", ["WineMLP"], "wine.dropout_keep"


class WineMLP(nn.Module):
    def __init__(self, n_in, hidden, activation=nn.ReLU, dropout=0.0):
        super().__init__()
        layers, w = [], n_in
        for h in hidden:
            layers += [nn.Linear(w, h), activation()]
            if dropout:
                layers.append(nn.Dropout(1 - dropout))
            w = h
        layers.append(nn.Linear(w, 1))
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)
