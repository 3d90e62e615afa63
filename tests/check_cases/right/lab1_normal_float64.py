"""P and Q drawn in float64 with torch.normal's tensor form, no seed."""
import torch

LAB, CHECKS = "lab1", ["small_matmul"]


def small_matmul(device):
    P = torch.normal(mean=torch.zeros(3, 2, dtype=torch.float64), std=0.01).to(device)
    Q = torch.normal(mean=torch.zeros(4, 2, dtype=torch.float64), std=0.01).to(device)
    return {"p": P, "q": Q, "qt": Q.t(), "pqt": torch.mm(P, Q.t())}
