"""Weights from randn, standard deviation 1 (the write-up's)."""
import torch

LAB, CHECKS, EXPECT = "lab2", ["Linear"], "linear.large_init"


class Linear:
    def __init__(self, n_in, n_out):
        self.weight = torch.randn(n_in, n_out, requires_grad=True)
        self.bias = torch.zeros(n_out, requires_grad=True)

    def __call__(self, x):
        return x @ self.weight + self.bias

    def parameters(self):
        return [self.weight, self.bias]

    def train(self, mode=True):
        return self

    def eval(self):
        return self
