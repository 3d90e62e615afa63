"""evaluate weights every batch's mean by loader.batch_size, the last smaller one too."""
import torch
import torch.nn.functional as F
from torch import nn

LAB, CHECKS, EXPECT = "lab2", ["evaluate"], "loop.last_batch_full"
def evaluate(model, loader, loss_fn=F.cross_entropy):
    model.eval()
    total, correct = 0.0, 0
    with torch.no_grad():
        for x, y in loader:
            out = model(x)
            total += loss_fn(out, y).item() * loader.batch_size
            correct += (out.argmax(1) == y).sum().item()
    n = len(loader.dataset)
    return total / n, correct / n
