"""evaluate sets model.training = False by hand: the dropout inside keeps dropping."""
import torch
import torch.nn.functional as F
from torch import nn

LAB, CHECKS, EXPECT = "lab2", ["evaluate"], "loop.children_training"
def evaluate(model, loader, loss_fn=F.cross_entropy):
    model.training = False
    total, correct, n = 0.0, 0, 0
    with torch.no_grad():
        for x, y in loader:
            out = model(x)
            total += loss_fn(out, y).item() * len(y)
            correct += (out.argmax(1) == y).sum().item()
            n += len(y)
    return total / n, correct / n
