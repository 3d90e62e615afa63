"""The two no_grad cases put under each other's names."""
import torch

LAB, CHECKS, EXPECT = "lab1", ["no_grad_gradients"], "lab1.no_grad_swapped"


def no_grad_gradients(device):
    def grad(skip):
        x = torch.tensor(1.0, requires_grad=True, device=device)
        with torch.no_grad():
            frozen = x ** 2 if skip == "y1" else x ** 3
        live = x ** 3 if skip == "y1" else x ** 2
        (frozen + live).backward()
        return x.grad.item()
    return {"grad_no_y2": grad("y1"), "grad_no_y1": grad("y2"), "grad_full": 5.0}
