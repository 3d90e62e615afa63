"""params kept as given: a generator runs dry after the first step."""
import torch

LAB, CHECKS, EXPECT = "lab2", ["SGD"], "sgd.generator"


class SGD:
    def __init__(self, params, lr):
        self.params, self.lr = params, lr

    @torch.no_grad()
    def step(self):
        for p in self.params:
            p -= self.lr * p.grad

    def zero_grad(self):
        for p in self.params:
            p.grad = None
