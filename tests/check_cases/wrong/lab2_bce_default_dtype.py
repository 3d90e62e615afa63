"""The loss switches torch to float64 for precision, and leaves it so for everything after."""
import torch

LAB, CHECKS, EXPECT = "lab2", ["bce_loss"], "leak.default_dtype"


def bce_loss(pred, target):
    torch.set_default_dtype(torch.float64)
    p = pred.clamp(1e-7, 1 - 1e-7)
    return -(target * p.log() + (1 - target) * (1 - p).log()).mean()
