"""The target multiplied into the wrong log."""
import torch

LAB, CHECKS, EXPECT = "lab2", ["bce_loss"], "bce.swapped"


def bce_loss(pred, target):
    p = pred.clamp(1e-7, 1 - 1e-7)
    return -(target * torch.log(1 - p) + (1 - target) * torch.log(p)).mean()
