"""SGD with an optional momentum buffer, off (0) by default: plain SGD as asked."""
import torch

LAB, CHECKS = "lab2", ["SGD"]


class SGD:
    def __init__(self, params, lr, momentum=0.0):
        self.params, self.lr, self.momentum = list(params), lr, momentum
        self.buffers = [None] * len(self.params)

    @torch.no_grad()
    def step(self):
        for i, p in enumerate(self.params):
            if p.grad is None:
                continue
            d = p.grad.clone()
            if self.momentum and self.buffers[i] is not None:
                d += self.momentum * self.buffers[i]
            self.buffers[i] = d
            p.sub_(self.lr * d)

    def zero_grad(self):
        for p in self.params:
            if p.grad is not None:
                p.grad.zero_()
