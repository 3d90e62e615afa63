"""one_hot calls labels.unsqueeze_(1): the caller's labels change shape in place."""
import torch
import torch.nn.functional as F
from torch import nn

LAB, CHECKS, EXPECT = "lab2", ["one_hot"], "input.changed"
def one_hot(labels, num_classes, dtype=torch.float32):
    labels.unsqueeze_(1)
    out = torch.zeros(labels.shape[0], num_classes, dtype=dtype)
    out.scatter_(1, labels, 1)
    return out
