"""The max subtracted once for the whole batch, not per row."""
import torch

LAB, CHECKS, EXPECT = "lab2", ["cross_entropy"], "ce.row_shift"


def cross_entropy(logits, target):
    shifted = logits - logits.max()
    log_probs = shifted - torch.log(torch.exp(shifted).sum(dim=1, keepdim=True))
    return -(target * log_probs).sum(dim=1).mean()
