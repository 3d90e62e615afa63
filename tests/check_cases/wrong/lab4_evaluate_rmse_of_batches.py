"""The RMSE averaged over batches."""
import math

import torch
import torch.nn.functional as F

LAB, CHECKS, EXPECT = "lab4", ["evaluate"], "loop.rmse_of_batches"


@torch.no_grad()
def evaluate(model, loader):
    model.eval()
    sq_sum, rmse_sum, seen, batches = 0.0, 0.0, 0, 0
    for x, y in loader:
        mse = F.mse_loss(model(x), y).item()
        sq_sum += mse * len(y)
        rmse_sum += math.sqrt(mse)
        seen += len(y)
        batches += 1
    return sq_sum / seen, rmse_sum / batches
