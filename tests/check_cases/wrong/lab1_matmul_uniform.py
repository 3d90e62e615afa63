"""torch.rand times 0.01: uniform on [0, 0.01), every entry positive, where the task asks for
N(0, 0.01²)."""
import torch

LAB, CHECKS, EXPECT = "lab1", ["small_matmul"], "lab1.uniform"


def small_matmul(device):
    P = torch.rand(3, 2, device=device) * 0.01
    Q = torch.rand(4, 2, device=device) * 0.01
    return {"p": P, "q": Q, "qt": Q.T, "pqt": P @ Q.T}
