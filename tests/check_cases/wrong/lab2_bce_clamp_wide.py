"""p clamped to [0.01, 0.99] before the logs: p = 1e-4 against a target of 1 costs 4.6, not 9.2."""
import torch

LAB, CHECKS, EXPECT = "lab2", ["bce_loss"], "bce.clamp_wide"


def bce_loss(pred, target):
    p = pred.clamp(0.01, 0.99)
    return -(target * torch.log(p) + (1 - target) * torch.log(1 - p)).mean()
