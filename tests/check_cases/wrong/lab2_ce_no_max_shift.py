"""Softmax straight from exp(): overflows at logits of 1000."""
import torch

LAB, CHECKS, EXPECT = "lab2", ["cross_entropy"], "ce.no_max_shift"


def cross_entropy(logits, target):
    probs = torch.exp(logits) / torch.exp(logits).sum(dim=1, keepdim=True)
    return -(target * torch.log(probs)).sum(dim=1).mean()
