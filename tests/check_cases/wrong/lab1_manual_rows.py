"""The manual broadcast kept as a Python list of row tensors, never stacked into a 2x3 tensor. (Once a checker crash: .item() of a many-element tensor.)"""
import torch

LAB, CHECKS, EXPECT = "lab1", ["broadcast_subtraction"], "value.type"


def broadcast_subtraction(device):
    M = torch.tensor([[1, 2, 3]], device=device)
    N = torch.tensor([[4], [5]], device=device)
    manual = [M[0] - n for n in N[:, 0]]   # one row per entry of N
    try:
        M.sub_(N)
        msg = None
    except RuntimeError as e:
        msg = str(e)
    return {"broadcast_minus": M - N, "broadcast_sub": torch.sub(M, N),
            "broadcast_manual": manual, "inplace_error": msg}
