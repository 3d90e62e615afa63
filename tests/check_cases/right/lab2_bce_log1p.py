"""BCE with torch.where and log1p, probabilities clamped at 1e-7, shapes refused when they
differ."""
import torch

LAB, CHECKS = "lab2", ["bce_loss"]


def bce_loss(pred, target):
    if pred.shape != target.shape:
        raise ValueError(f"shapes {tuple(pred.shape)} and {tuple(target.shape)} differ")
    p = pred.clamp(1e-7, 1 - 1e-7)
    return -(target * torch.log(p) + (1 - target) * torch.log1p(-p)).mean()
