"""The accuracy counted from a second forward pass after the step (the updated model), not
from the logits the step returned."""
import torch

LAB, CHECKS, EXPECT = "lab3", ["train_epoch"], "loop.acc_after_update"


def train_epoch(model, loader, optimizer, step=None, on_step=None):
    model.train()
    loss_sum, hits, n = 0.0, 0, 0
    for x, y in loader:
        loss, _ = step(model, x, y, optimizer)
        with torch.no_grad():
            hits += (model(x).argmax(1) == y).sum().item()
        loss_sum += loss.item() * len(y)
        n += len(y)
    return loss_sum / n, hits / n
