"""Softmax normalised over dim 0, across the batch."""
import torch

LAB, CHECKS, EXPECT = "lab2", ["cross_entropy"], "ce.softmax_dim"


def cross_entropy(logits, target):
    shifted = logits - logits.max(dim=0, keepdim=True).values
    log_probs = shifted - torch.log(torch.exp(shifted).sum(dim=0, keepdim=True))
    return -(target * log_probs).sum(dim=1).mean()
