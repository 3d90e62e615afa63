"""N(0, 0.01) read as a variance: torch.normal given std 0.1."""
import torch

LAB, CHECKS, EXPECT = "lab1", ["small_matmul"], "lab1.std"


def small_matmul(device):
    torch.manual_seed(0)
    P = torch.normal(0.0, 0.1, size=(3, 2), device=device)
    Q = torch.normal(0.0, 0.1, size=(4, 2), device=device)
    return {"p": P, "q": Q, "qt": Q.T, "pqt": P @ Q.T}
