"""P and Q uniform on [-0.01, 0.01) (torch.rand * 0.02 - 0.01), not N(0, 0.01²)."""
import torch

LAB, CHECKS, EXPECT = "lab1", ["small_matmul"], "lab1.uniform_range"


def small_matmul(device):
    P = torch.rand(3, 2, device=device) * 0.02 - 0.01
    Q = torch.rand(4, 2, device=device) * 0.02 - 0.01
    return {"p": P, "q": Q, "qt": Q.T, "pqt": P @ Q.T}
