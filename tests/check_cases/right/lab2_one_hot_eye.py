"""One-hot as rows of the identity matrix."""
import torch

LAB, CHECKS = "lab2", ["one_hot"]


def one_hot(labels, num_classes, dtype=torch.float32):
    return torch.eye(num_classes, dtype=dtype)[labels]
