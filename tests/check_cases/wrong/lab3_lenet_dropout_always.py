"""A module applying F.dropout(x, 0.5), whose training argument defaults to True: dropout
in eval mode too."""
import torch.nn.functional as F
from torch import nn

LAB, CHECKS, EXPECT = "lab3", ["d2l_lenet"], "model.dropout_in_eval"


class AlwaysDrop(nn.Module):
    def forward(self, x):
        return F.dropout(x, 0.5)


def d2l_lenet():
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(),
        nn.Linear(120, 84), nn.Sigmoid(), AlwaysDrop(),
        nn.Linear(84, 10))
