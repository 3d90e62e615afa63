"""The d2l LeNet as a module of layer lists, with torch.sigmoid and F.avg_pool2d in forward,
padding="same"; evaluate under torch.set_grad_enabled(False) as a with block."""
import torch
import torch.nn.functional as F
from torch import nn

LAB, CHECKS = "lab3", ["d2l_lenet", "evaluate"]


class D2LLeNet(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.convs = nn.ModuleList([nn.Conv2d(1, 6, 5, padding="same"), nn.Conv2d(6, 16, 5)])
        self.fcs = nn.ModuleList([nn.Linear(400, 120), nn.Linear(120, 84),
                                  nn.Linear(84, num_classes)])

    def forward(self, x):
        for conv in self.convs:
            x = F.avg_pool2d(torch.sigmoid(conv(x)), kernel_size=2, stride=2)
        x = torch.flatten(x, 1)
        for i, fc in enumerate(self.fcs):
            x = fc(x)
            if i < len(self.fcs) - 1:
                x = torch.sigmoid(x)
        return x


def d2l_lenet():
    return D2LLeNet()


def evaluate(model, loader):
    model.eval()
    total, correct, n = 0.0, 0, 0
    with torch.set_grad_enabled(False):
        for x, y in loader:
            logits = model(x)
            total += F.cross_entropy(logits, y, reduction="sum").item()
            correct += (logits.argmax(1) == y).sum().item()
            n += len(y)
    return total / n, correct / n
