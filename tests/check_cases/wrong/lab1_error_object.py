"""The error object kept instead of its message."""
import torch

LAB, CHECKS, EXPECT = "lab1", ["broadcast_subtraction"], "lab1.error_object"


def broadcast_subtraction(device):
    M = torch.tensor([[1, 2, 3]], device=device)
    N = torch.tensor([[4], [5]], device=device)
    try:
        M.clone().sub_(N)
    except RuntimeError as e:
        msg = e
    return {"broadcast_minus": M - N, "broadcast_sub": torch.sub(M, N),
            "broadcast_manual": M.expand(2, 3) - N.expand(2, 3), "inplace_error": msg}
