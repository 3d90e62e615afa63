"""Evaluation in whatever mode the model was left in."""
import torch
import torch.nn.functional as F

LAB, CHECKS, EXPECT = "lab2", ["evaluate"], "loop.eval_missing"


@torch.no_grad()
def evaluate(model, loader, loss_fn=F.cross_entropy):
    loss_sum, correct, seen = 0.0, 0, 0
    for x, y in loader:
        out = model(x)
        loss_sum += loss_fn(out, y).item() * len(y)
        correct += (out.argmax(1) == y).sum().item()
        seen += len(y)
    return loss_sum / seen, correct / seen
