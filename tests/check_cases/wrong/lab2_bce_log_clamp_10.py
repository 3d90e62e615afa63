"""Each log clamped at -10 instead of -100: a confident mistake never costs more than 10."""
import torch

LAB, CHECKS, EXPECT = "lab2", ["bce_loss"], "bce.clamp_wide"


def bce_loss(pred, target):
    if pred.shape != target.shape:
        raise ValueError("shapes differ")
    return -(target * torch.log(pred).clamp(min=-10) + (1 - target) * torch.log(1 - pred).clamp(min=-10)).mean()
