"""evaluate moves every batch to the GPU with .cuda(), whatever device the model is on."""
import torch
import torch.nn.functional as F

LAB, CHECKS, EXPECT = "lab3", ["evaluate"], "hint.device"


def evaluate(model, loader):
    model.eval()
    loss_sum, correct, n = 0.0, 0, 0
    with torch.no_grad():
        for x, y in loader:
            x, y = x.cuda(), y.cuda()
            logits = model(x)
            loss_sum += F.cross_entropy(logits, y, reduction="sum").item()
            correct += (logits.argmax(1) == y).sum().item()
            n += len(y)
    return loss_sum / n, correct / n
