"""The targets taken as class labels, as F.cross_entropy takes them."""
import torch

LAB, CHECKS, EXPECT = "lab2", ["cross_entropy"], "ce.labels"


def cross_entropy(logits, target):
    log_probs = torch.log_softmax(logits, dim=1)
    return -log_probs[torch.arange(len(logits)), target].mean()
