"""cross_entropy casts the targets to long and takes log_softmax of them (swapped with the logits)."""
import torch
import torch.nn.functional as F
from torch import nn

LAB, CHECKS, EXPECT = "lab2", ["cross_entropy"], "hint.long_scores"
def cross_entropy(logits, target):
    t = target.long()
    return -(logits * torch.log_softmax(t, dim=1)).sum(dim=1).mean()
