"""A sigmoid inside the loss, as if it were given scores."""
import torch

LAB, CHECKS, EXPECT = "lab2", ["bce_loss"], "bce.sigmoid_inside"


def bce_loss(pred, target):
    p = torch.sigmoid(pred).clamp(1e-7, 1 - 1e-7)
    return -(target * torch.log(p) + (1 - target) * torch.log(1 - p)).mean()
