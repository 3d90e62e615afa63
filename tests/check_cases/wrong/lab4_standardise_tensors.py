"""standardise returning torch tensors: the lab's training code takes numpy arrays."""
import torch

LAB, CHECKS, EXPECT = "lab4", ["standardise"], "std.not_numpy"


def standardise(x_tr, x_te):
    mu = x_tr.mean(axis=0)
    sd = x_tr.std(axis=0)
    return (torch.tensor((x_tr - mu) / sd, dtype=torch.float32),
            torch.tensor((x_te - mu) / sd, dtype=torch.float32))
