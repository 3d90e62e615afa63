"""zero_grad that clears a copy of each gradient."""
import torch

LAB, CHECKS, EXPECT = "lab2", ["SGD"], "sgd.zero_grad"


class SGD:
    def __init__(self, params, lr):
        self.params, self.lr = list(params), lr

    @torch.no_grad()
    def step(self):
        for p in self.params:
            p.sub_(self.lr * p.grad)

    def zero_grad(self):
        for p in self.params:
            if p.grad is not None:
                p.grad.clone().zero_()
