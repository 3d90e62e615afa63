"""The in-place error kept with its class name in front of its message, and P and Q drawn with
nn.init.normal_ (no seed)."""
import torch
from torch import nn

LAB, CHECKS = "lab1", ["broadcast_subtraction", "small_matmul"]


def broadcast_subtraction(device):
    M = torch.tensor([[1, 2, 3]], device=device)
    N = torch.tensor([[4], [5]], device=device)
    try:
        M.clone().sub_(N)
        text = ""
    except RuntimeError as err:
        text = f"{type(err).__name__}: {err}"
    return {"broadcast_minus": M - N, "broadcast_sub": torch.sub(M, N),
            "broadcast_manual": M.expand(2, 3) - N.expand(2, 3), "inplace_error": text}


def small_matmul(device):
    P = nn.init.normal_(torch.empty(3, 2, device=device), mean=0.0, std=0.01)
    Q = nn.init.normal_(torch.empty(4, 2, device=device), mean=0.0, std=0.01)
    return {"p": P, "q": Q, "qt": Q.mT, "pqt": P @ Q.mT}
