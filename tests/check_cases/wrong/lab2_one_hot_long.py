"""F.one_hot's int64 returned as it is, the dtype argument dropped."""
import torch
import torch.nn.functional as F

LAB, CHECKS, EXPECT = "lab2", ["one_hot"], "one_hot.dtype"


def one_hot(labels, num_classes, dtype=torch.float32):
    return F.one_hot(labels, num_classes)
