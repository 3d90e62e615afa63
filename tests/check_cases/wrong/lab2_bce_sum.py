"""Binary cross-entropy summed over the batch."""
import torch

LAB, CHECKS, EXPECT = "lab2", ["bce_loss"], "loss.sum_not_mean"


def bce_loss(pred, target):
    pred = pred.clamp(1e-7, 1 - 1e-7)
    return -(target * torch.log(pred) + (1 - target) * torch.log(1 - pred)).sum()
