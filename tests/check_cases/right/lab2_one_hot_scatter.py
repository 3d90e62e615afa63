"""One-hot with scatter_."""
import torch

LAB, CHECKS = "lab2", ["one_hot"]


def one_hot(labels, num_classes, dtype=torch.float32):
    out = torch.zeros(labels.shape[0], num_classes, dtype=dtype)
    return out.scatter_(1, labels.view(-1, 1), 1)
