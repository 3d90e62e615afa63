"""Momentum 0.9 built into a plain SGD: the first step is right, the later ones are not."""
import torch

LAB, CHECKS, EXPECT = "lab2", ["SGD"], "sgd.carried"


class SGD:
    def __init__(self, params, lr, momentum=0.9):
        self.params, self.lr, self.m = list(params), lr, momentum
        self.buf = [None] * len(self.params)
    @torch.no_grad()
    def step(self):
        for i, p in enumerate(self.params):
            if p.grad is None:
                continue
            self.buf[i] = p.grad.clone() if self.buf[i] is None else self.m * self.buf[i] + p.grad
            p -= self.lr * self.buf[i]
    def zero_grad(self):
        for p in self.params:
            p.grad = None
