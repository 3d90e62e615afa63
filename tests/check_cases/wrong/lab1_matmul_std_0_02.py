"""Standard deviation 0.02 instead of 0.01."""
import torch

LAB, CHECKS, EXPECT = "lab1", ["small_matmul"], "lab1.std"


def small_matmul(device):
    P = torch.normal(0.0, 0.02, size=(3, 2), device=device)
    Q = torch.normal(0.0, 0.02, size=(4, 2), device=device)
    return {"p": P, "q": Q, "qt": Q.t(), "pqt": P @ Q.t()}
