"""WineMLP that builds its activation inside forward, and a train_step that reshapes its
target to the output's shape."""
import torch.nn.functional as F
from torch import nn

LAB, CHECKS = "lab4", ["WineMLP", "train_step"]


class WineMLP(nn.Module):
    def __init__(self, n_in, hidden, activation=nn.ReLU, dropout=0.0):
        super().__init__()
        self.activation, self.p = activation, dropout
        widths = [n_in] + list(hidden) + [1]
        self.linears = nn.ModuleList(nn.Linear(a, b) for a, b in zip(widths, widths[1:]))

    def forward(self, x):
        *hidden, last = self.linears
        for layer in hidden:
            x = F.dropout(self.activation()(layer(x)), self.p, training=self.training)
        return last(x)


def train_step(model, x, y, optimizer):
    out = model(x)
    loss = F.mse_loss(out, y.view_as(out))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss
