"""The subtraction the wrong way round: N - M."""
import torch

LAB, CHECKS, EXPECT = "lab1", ["broadcast_subtraction"], "lab1.reversed"


def broadcast_subtraction(device):
    M = torch.tensor([[1, 2, 3]], device=device)
    N = torch.tensor([[4], [5]], device=device)
    try:
        M.clone().sub_(N)
        error = None
    except RuntimeError as err:
        error = str(err)
    return {"broadcast_minus": N - M, "broadcast_sub": torch.sub(N, M),
            "broadcast_manual": N.expand(2, 3) - M.expand(2, 3), "inplace_error": error}
