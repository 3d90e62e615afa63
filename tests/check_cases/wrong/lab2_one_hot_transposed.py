"""One column per label."""
import torch

LAB, CHECKS, EXPECT = "lab2", ["one_hot"], "one_hot.transposed"


def one_hot(labels, num_classes, dtype=torch.float32):
    return (torch.arange(num_classes).unsqueeze(1) == labels.unsqueeze(0)).to(dtype)
