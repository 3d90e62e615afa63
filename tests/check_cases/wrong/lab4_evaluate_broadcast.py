"""The output flattened to (N,) against the (N, 1) target: the MSE of every pair."""
import math

import torch
import torch.nn.functional as F

LAB, CHECKS, EXPECT = "lab4", ["evaluate"], "loss.broadcast"


@torch.no_grad()
def evaluate(model, loader):
    model.eval()
    se, n = 0.0, 0
    for x, y in loader:
        se += F.mse_loss(model(x).view(-1), y, reduction="sum").item() / len(y)
        n += len(y)
    mse = se / n
    return mse, math.sqrt(mse)
