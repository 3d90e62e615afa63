"""The update written into p.grad instead of p: the parameters never move."""
import torch

LAB, CHECKS, EXPECT = "lab2", ["SGD"], "sgd.into_grad"


class SGD:
    def __init__(self, params, lr):
        self.params, self.lr = list(params), lr
    def step(self):
        with torch.no_grad():
            for p in self.params:
                p.grad -= self.lr * p.grad
    def zero_grad(self):
        for p in self.params:
            p.grad = None
