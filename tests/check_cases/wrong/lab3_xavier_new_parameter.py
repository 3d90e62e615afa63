"""Each weight replaced by a new nn.Parameter instead of filled in place."""
import torch
from torch import nn

LAB, CHECKS, EXPECT = "lab3", ["xavier_init"], "xavier.replaced_parameter"


def xavier_init(model):
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            w = torch.empty_like(m.weight)
            nn.init.xavier_uniform_(w)
            m.weight = nn.Parameter(w)
