"""The in-place subtraction tried without catching its error."""
import torch

LAB, CHECKS, EXPECT = "lab1", ["broadcast_subtraction"], "hint.inplace_broadcast"


def broadcast_subtraction(device):
    M = torch.tensor([[1, 2, 3]], device=device)
    N = torch.tensor([[4], [5]], device=device)
    minus = M - N
    inplace = M.sub_(N)
    return {"broadcast_minus": minus, "broadcast_sub": torch.sub(M, N),
            "broadcast_manual": M.expand(2, 3) - N.expand(2, 3), "inplace_error": inplace}
