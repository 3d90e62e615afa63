"""Skips a batch smaller than the first (taken for padding): the last 2 examples are never evaluated."""
import torch
import torch.nn.functional as F

LAB, CHECKS, EXPECT = "lab2", ["evaluate"], "loop.batches"


def evaluate(model, loader, loss_fn=F.cross_entropy):
    model.eval()
    total, correct, n, size = 0.0, 0, 0, None
    with torch.no_grad():
        for x, y in loader:
            size = size or len(y)
            if len(y) < size:
                break
            out = model(x)
            total += loss_fn(out, y).item() * len(y)
            correct += (out.argmax(1) == y).sum().item()
            n += len(y)
    return total / n, correct / n
