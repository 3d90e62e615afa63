"""p clamped at 1e-3: every probability below it costs -log(1e-3) = 6.9."""
import torch

LAB, CHECKS, EXPECT = "lab2", ["bce_loss"], "bce.clamp_wide"
EPS = 1e-3


def bce_loss(pred, target):
    p = torch.clamp(pred, EPS, 1 - EPS)
    return -(target * torch.log(p) + (1 - target) * torch.log(1 - p)).mean()
