"""Cross-entropy one example at a time, the log-sum-exp written out per row."""
import torch

LAB, CHECKS = "lab2", ["cross_entropy"]


def cross_entropy(logits, target):
    total = 0
    for row, hot in zip(logits, target):
        top = row.max()
        lse = top + torch.log(torch.exp(row - top).sum())
        total = total - (hot * (row - lse)).sum()
    return total / logits.shape[0]
