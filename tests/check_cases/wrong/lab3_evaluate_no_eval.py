"""Evaluation under no_grad but in training mode."""
import torch
import torch.nn.functional as F

LAB, CHECKS, EXPECT = "lab3", ["evaluate"], "loop.eval_missing"


def evaluate(model, loader):
    with torch.no_grad():
        loss_sum, correct, seen = 0.0, 0, 0
        for x, y in loader:
            logits = model(x)
            loss_sum += F.cross_entropy(logits, y, reduction="sum").item()
            correct += (logits.argmax(1) == y).sum().item()
            seen += len(y)
    return loss_sum / seen, correct / seen
