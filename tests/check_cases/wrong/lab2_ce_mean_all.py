"""The mean over every entry, classes included."""
import torch

LAB, CHECKS, EXPECT = "lab2", ["cross_entropy"], "ce.mean_over_classes"


def cross_entropy(logits, target):
    log_probs = torch.log_softmax(logits, dim=1)
    return -(target * log_probs).mean()
