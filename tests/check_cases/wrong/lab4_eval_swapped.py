"""evaluate returns (RMSE, MSE) instead of (MSE, RMSE)."""
import torch
import torch.nn.functional as F

LAB, CHECKS, EXPECT = "lab4", ["evaluate"], "loop.mse_rmse_swapped"


def evaluate(model, loader):
    model.eval()
    se, n = 0.0, 0
    with torch.no_grad():
        for x, y in loader:
            se += F.mse_loss(model(x), y, reduction="sum").item()
            n += len(y)
    mse = se / n
    return mse ** 0.5, mse
