"""One x for all three cases: its .grad keeps adding up."""
import torch

LAB, CHECKS, EXPECT = "lab1", ["no_grad_gradients"], "lab1.grad_accumulates"


def no_grad_gradients(device):
    x = torch.tensor(1.0, requires_grad=True, device=device)
    out = {}
    y1 = x ** 2
    with torch.no_grad():
        y2 = x ** 3
    (y1 + y2).backward()
    out["grad_no_y2"] = x.grad.item()
    with torch.no_grad():
        y1 = x ** 2
    y2 = x ** 3
    (y1 + y2).backward()
    out["grad_no_y1"] = x.grad.item()
    (x ** 2 + x ** 3).backward()
    out["grad_full"] = x.grad.item()
    return out
