"""Cross-entropy summed over the batch."""
import torch

LAB, CHECKS, EXPECT = "lab2", ["cross_entropy"], "loss.sum_not_mean"


def cross_entropy(logits, target):
    shifted = logits - logits.max(dim=1, keepdim=True).values
    log_probs = shifted - torch.log(torch.exp(shifted).sum(dim=1, keepdim=True))
    return -(target * log_probs).sum()
