"""An evaluation that squeezes only dimension 1 of the output and the target: a batch of one
keeps its batch dimension."""
import math

import torch

LAB, CHECKS = "lab4", ["evaluate"]


def evaluate(model, loader):
    model.eval()
    sq, n = 0.0, 0
    with torch.no_grad():
        for x, y in loader:
            err = model(x).squeeze(1) - y.squeeze(1)
            sq += (err ** 2).sum().item()
            n += err.numel()
    return sq / n, math.sqrt(sq / n)
