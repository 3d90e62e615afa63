"""The loss rebuilt from a Python float: no graph back to pred."""
import math

import torch

LAB, CHECKS, EXPECT = "lab2", ["bce_loss"], "grad.detached"


def bce_loss(pred, target):
    total = 0.0
    for p, t in zip(pred.flatten().tolist(), target.flatten().tolist()):
        p = min(max(p, 1e-7), 1 - 1e-7)
        total += -(t * math.log(p) + (1 - t) * math.log(1 - p))
    return torch.tensor(total / pred.numel(), dtype=pred.dtype)
