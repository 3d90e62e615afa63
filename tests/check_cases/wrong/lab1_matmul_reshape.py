"""Q "transposed" with reshape."""
import torch

LAB, CHECKS, EXPECT = "lab1", ["small_matmul"], "lab1.reshape_not_transpose"


def small_matmul(device):
    P = torch.normal(0.0, 0.01, size=(3, 2), device=device)
    Q = torch.normal(0.0, 0.01, size=(4, 2), device=device)
    Qt = Q.reshape(2, 4)
    return {"p": P, "q": Q, "qt": Qt, "pqt": P @ Qt}
