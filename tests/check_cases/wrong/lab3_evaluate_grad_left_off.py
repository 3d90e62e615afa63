"""torch.set_grad_enabled(False) and never back on: every training step after an evaluation
finds no gradient."""
import torch
import torch.nn.functional as F

LAB, CHECKS, EXPECT = "lab3", ["evaluate"], "leak.grad_off"


def evaluate(model, loader):
    model.eval()
    torch.set_grad_enabled(False)
    total, correct, n = 0.0, 0, 0
    for x, y in loader:
        logits = model(x)
        total += F.cross_entropy(logits, y, reduction="sum").item()
        correct += (logits.argmax(1) == y).sum().item()
        n += len(y)
    return total / n, correct / n
