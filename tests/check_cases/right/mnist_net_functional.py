"""The tutorial's network with F.dropout2d and F.dropout in forward, and the layers named
otherwise."""
import torch
import torch.nn.functional as F
from torch import nn

LAB, CHECKS = "mnist", ["MnistNet"]


class MnistNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 10, 5)
        self.c2 = nn.Conv2d(10, 20, 5)
        self.l1 = nn.Linear(320, 50)
        self.l2 = nn.Linear(50, 10)

    def forward(self, x):
        x = F.relu(F.max_pool2d(self.c1(x), 2))
        x = F.dropout2d(self.c2(x), p=0.5, training=self.training)
        x = F.relu(F.max_pool2d(x, 2))
        x = F.relu(self.l1(torch.flatten(x, start_dim=1)))
        x = F.dropout(x, p=0.5, training=self.training)
        return F.log_softmax(self.l2(x), dim=-1)
