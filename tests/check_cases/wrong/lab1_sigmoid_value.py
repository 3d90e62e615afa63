"""sigmoid(1) reported where its gradient was asked for."""
import torch

LAB, CHECKS, EXPECT = "lab1", ["autograd"], "lab1.sigmoid_value"


def autograd(device):
    a = torch.tensor([[1.0, 2.0]], requires_grad=True)
    b = torch.tensor([[3.0], [4.0]])
    c = torch.tensor(5.0, requires_grad=True)
    (a @ b + c).backward()
    s = torch.ones(20, requires_grad=True)
    out = torch.sigmoid(s)
    x = torch.tensor(2.0, requires_grad=True)
    (x ** 2).backward()
    g1 = x.grad.item()
    (x + 3).backward()
    g2 = x.grad.item()
    x.grad.zero_()
    return {"a_grad": a.grad, "c_grad": c.grad.item(), "sigmoid_grad": out.detach(),
            "accumulated_grads": [g1, g2, x.grad.item()]}
