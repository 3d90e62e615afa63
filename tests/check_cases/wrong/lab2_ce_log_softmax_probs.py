"""torch.softmax then log: stable against overflow, not against underflow."""
import torch

LAB, CHECKS, EXPECT = "lab2", ["cross_entropy"], "ce.log_of_softmax"


def cross_entropy(logits, target):
    probs = torch.softmax(logits, dim=1)
    return -(target * torch.log(probs)).sum(dim=1).mean()
