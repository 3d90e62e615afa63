"""p = p - lr * grad: a new tensor under the old name, the model's unchanged."""
import torch

LAB, CHECKS, EXPECT = "lab2", ["SGD"], "sgd.no_change"


class SGD:
    def __init__(self, params, lr):
        self.params, self.lr = list(params), lr

    def step(self):
        with torch.no_grad():
            for p in self.params:
                p = p - self.lr * p.grad

    def zero_grad(self):
        for p in self.params:
            p.grad = None
