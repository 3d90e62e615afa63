"""evaluate finds the device with next(model.parameters()): a from-scratch model's parameters() is a list."""
import torch
import torch.nn.functional as F
from torch import nn

LAB, CHECKS, EXPECT = "lab2", ["evaluate"], "hint.scratch_loop"
def evaluate(model, loader, loss_fn=F.cross_entropy):
    device = next(model.parameters()).device
    model.eval()
    total, correct, n = 0.0, 0, 0
    with torch.no_grad():
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            out = model(x)
            total += loss_fn(out, y).item() * len(y)
            correct += (out.argmax(1) == y).sum().item()
            n += len(y)
    return total / n, correct / n
