"""Accuracy first, loss second."""
import torch
import torch.nn.functional as F

LAB, CHECKS, EXPECT = "lab3", ["evaluate"], "loop.order"


@torch.no_grad()
def evaluate(model, loader):
    model.eval()
    loss_sum, correct, seen = 0.0, 0, 0
    for x, y in loader:
        logits = model(x)
        loss_sum += F.cross_entropy(logits, y, reduction="sum").item()
        correct += (logits.argmax(1) == y).sum().item()
        seen += len(y)
    return correct / seen, loss_sum / seen
