"""The logits squeezed before argmax(1): a last batch of one example gives shape (10,)."""
import torch
import torch.nn.functional as F

LAB, CHECKS, EXPECT = "lab3", ["evaluate"], "loop.batch_of_one"


def evaluate(model, loader):
    model.eval()
    loss, correct, n = 0.0, 0, 0
    with torch.no_grad():
        for x, y in loader:
            out = model(x).squeeze()
            loss += F.cross_entropy(out, y, reduction="sum").item()
            correct += (out.argmax(1) == y).sum().item()
            n += len(y)
    return loss / n, correct / n
