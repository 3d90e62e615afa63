"""The tutorial's defect: evaluate uses the notebook's global network, not its argument."""
import torch
import torch.nn.functional as F
from torch import nn

LAB, CHECKS, EXPECT = "lab3", ["evaluate"], "hint.skipped_global"


@torch.no_grad()
def evaluate(model, loader):
    net.eval()
    loss_sum, correct, seen = 0.0, 0, 0
    for x, y in loader:
        logits = net(x)
        loss_sum += F.cross_entropy(logits, y, reduction="sum").item()
        correct += (logits.argmax(1) == y).sum().item()
        seen += len(y)
    return loss_sum / seen, correct / seen


net = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
