"""The loop logs an evaluation before training: evaluate leaves the model in eval mode, and
the epoch trains in it."""
import torch
import torch.nn.functional as F

LAB, CHECKS, EXPECT = "lab4", ["train_epoch"], "loop.eval_inside"


@torch.no_grad()
def evaluate(model, loader):
    model.eval()
    total, n = 0.0, 0
    for x, y in loader:
        total += F.mse_loss(model(x), y, reduction="sum").item()
        n += len(y)
    return total / n, (total / n) ** 0.5


def train_epoch(model, loader, optimizer, step=None, on_step=None):
    model.train()
    before, _ = evaluate(model, loader)
    total, n = 0.0, 0
    for x, y in loader:
        loss = step(model, x, y, optimizer)
        total += loss.item() * len(y)
        n += len(y)
    return total / n
