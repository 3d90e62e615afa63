"""BCE with a small number added inside each log, log(p + 1e-7), instead of a clamp."""
import torch

LAB, CHECKS = "lab2", ["bce_loss"]
EPS = 1e-7


def bce_loss(pred, target):
    loss = target * torch.log(pred + EPS) + (1 - target) * torch.log(1 - pred + EPS)
    return -loss.mean()
