"""standardise in torch with the sample standard deviation; WineMLP with a ModuleList."""
import torch
from torch import nn

LAB, CHECKS = "lab4", ["standardise", "WineMLP"]


def standardise(x_tr, x_te):
    tr, te = torch.as_tensor(x_tr, dtype=torch.float32), torch.as_tensor(x_te,
                                                                       dtype=torch.float32)
    mu, sd = tr.mean(dim=0), tr.std(dim=0)
    return ((tr - mu) / sd).numpy(), ((te - mu) / sd).numpy()


class WineMLP(nn.Module):
    def __init__(self, n_in, hidden, activation=nn.ReLU, dropout=0.0):
        super().__init__()
        sizes = [n_in, *hidden]
        self.layers = nn.ModuleList([nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:])])
        self.act = activation()
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(sizes[-1], 1)

    def forward(self, x):
        for layer in self.layers:
            x = self.drop(self.act(layer(x)))
        return self.head(x)
