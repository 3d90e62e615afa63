"""Cross-entropy from torch.logsumexp and the target's score."""
import torch

LAB, CHECKS = "lab2", ["cross_entropy"]


def cross_entropy(logits, target):
    picked = (logits * target).sum(dim=1)
    return (torch.logsumexp(logits, dim=1) * target.sum(dim=1) - picked).mean()
