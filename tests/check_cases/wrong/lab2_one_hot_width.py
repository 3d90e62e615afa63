"""The width taken from the labels."""
import torch

LAB, CHECKS, EXPECT = "lab2", ["one_hot"], "one_hot.width"


def one_hot(labels, num_classes, dtype=torch.float32):
    width = int(labels.max()) + 1
    out = torch.zeros(len(labels), width, dtype=dtype)
    out[torch.arange(len(labels)), labels] = 1
    return out
