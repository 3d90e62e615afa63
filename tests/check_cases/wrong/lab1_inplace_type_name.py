"""inplace_error keeps the error's class name, 'RuntimeError', not its message."""
import torch

LAB, CHECKS, EXPECT = "lab1", ["broadcast_subtraction"], "lab1.error_name"


def broadcast_subtraction(device):
    M = torch.tensor([[1, 2, 3]], device=device)
    N = torch.tensor([[4], [5]], device=device)
    try:
        M.sub_(N)
        err = None
    except RuntimeError as e:
        err = type(e).__name__
    return {"broadcast_minus": M - N, "broadcast_sub": torch.sub(M, N),
            "broadcast_manual": M.expand(2, 3) - N.expand(2, 3), "inplace_error": err}
