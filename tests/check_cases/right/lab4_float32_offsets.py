"""standardise worked out in float32 torch, returned as numpy arrays."""
import torch

LAB, CHECKS = "lab4", ["standardise"]


def standardise(x_tr, x_te):
    tr = torch.tensor(x_tr, dtype=torch.float32)
    te = torch.tensor(x_te, dtype=torch.float32)
    mean = tr.mean(0, keepdim=True)
    std = tr.std(0, unbiased=False, keepdim=True)
    return ((tr - mean) / std).numpy(), ((te - mean) / std).numpy()
