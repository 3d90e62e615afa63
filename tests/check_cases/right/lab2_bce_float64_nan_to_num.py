"""BCE computed in float64 inside, each log clamped at -100 like nn.BCELoss."""
import torch

LAB, CHECKS = "lab2", ["bce_loss"]


def bce_loss(pred, target):
    p, t = pred.double(), target.double().reshape(pred.shape)
    log_p = torch.clamp(torch.log(p), min=-100)
    log_q = torch.clamp(torch.log(1 - p), min=-100)
    return (-(t * log_p + (1 - t) * log_q)).sum().div(p.numel()).to(pred.dtype)
