"""The d2l LeNet as a class with functional pooling and sigmoid; Xavier by hand."""
import math

import torch
import torch.nn.functional as F
from torch import nn

LAB, CHECKS = "lab3", ["d2l_lenet", "xavier_init"]


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 6, 5, padding=2)
        self.c2 = nn.Conv2d(6, 16, 5)
        self.f1, self.f2, self.f3 = nn.Linear(400, 120), nn.Linear(120, 84), nn.Linear(84, 10)

    def forward(self, x):
        x = F.avg_pool2d(torch.sigmoid(self.c1(x)), 2)
        x = F.avg_pool2d(torch.sigmoid(self.c2(x)), 2)
        x = torch.sigmoid(self.f1(x.view(x.size(0), -1)))
        return self.f3(torch.sigmoid(self.f2(x)))


def d2l_lenet():
    return LeNet()


def xavier_init(model):
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            w = m.weight
            receptive = w[0][0].numel()
            bound = math.sqrt(6 / (w.size(1) * receptive + w.size(0) * receptive))
            with torch.no_grad():
                w.uniform_(-bound, bound)
