"""lab1's four tasks written another way: explicit loops, torch.autograd.grad, repeat."""
import torch

LAB, CHECKS = "lab1", ["broadcast_subtraction", "small_matmul", "no_grad_gradients", "autograd"]


def broadcast_subtraction(device):
    M = torch.tensor([[1.0, 2.0, 3.0]], device=device)
    N = torch.tensor([[4.0], [5.0]], device=device)
    manual = torch.empty(2, 3, device=device)
    for i in range(2):
        for j in range(3):
            manual[i, j] = M[0, j] - N[i, 0]
    try:
        M.sub_(N)
        message = ""
    except RuntimeError as err:
        message = err.args[0]
    return {"broadcast_minus": M - N, "broadcast_sub": M.sub(N),
            "broadcast_manual": M.repeat(2, 1) - N.repeat(1, 3), "inplace_error": message}


def small_matmul(device):
    gen = torch.Generator(device="cpu").manual_seed(3)
    P = (torch.randn(3, 2, generator=gen) * 0.01).to(device)
    Q = (torch.randn(4, 2, generator=gen) * 0.01).to(device)
    Qt = Q.transpose(0, 1)
    return {"p": P, "q": Q, "qt": Qt, "pqt": torch.einsum("ik,kj->ij", P, Qt)}


def no_grad_gradients(device):
    out = {}
    for name, keep in (("grad_no_y2", "y1"), ("grad_no_y1", "y2"), ("grad_full", "both")):
        x = torch.tensor(1.0, dtype=torch.float64, device=device, requires_grad=True)
        with torch.set_grad_enabled(keep in ("y1", "both")):
            y1 = x ** 2
        with torch.set_grad_enabled(keep in ("y2", "both")):
            y2 = x ** 3
        (grad,) = torch.autograd.grad(y1 + y2, x)
        out[name] = grad
    return out


def autograd(device):
    a = torch.tensor([[1.0, 2.0]], requires_grad=True)
    c = torch.tensor(5.0, requires_grad=True)
    y = (a * torch.tensor([3.0, 4.0])).sum() + c
    a_grad, c_grad = torch.autograd.grad(y, [a, c])
    s = torch.ones(20, requires_grad=True)
    (s_grad,) = torch.autograd.grad(torch.sigmoid(s).sum(), s)
    x = torch.tensor(2.0, requires_grad=True)
    seen = []
    for f in (lambda v: v ** 2, lambda v: v + 3):
        f(x).backward()
        seen.append(float(x.grad))
    x.grad.zero_()
    return {"a_grad": a_grad, "c_grad": c_grad, "sigmoid_grad": s_grad,
            "accumulated_grads": seen + [float(x.grad)]}
