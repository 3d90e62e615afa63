"""The write-up's My_Linear: one bias for all outputs."""
import torch

LAB, CHECKS, EXPECT = "lab2", ["Linear"], "linear.shared_bias"


class Linear:
    def __init__(self, n_in, n_out, dtype=torch.float32):
        self.weight = (torch.randn(n_in, n_out, dtype=dtype) * 0.01).requires_grad_()
        self.bias = torch.zeros(1, dtype=dtype, requires_grad=True)

    def __call__(self, x):
        return x @ self.weight + self.bias

    def parameters(self):
        return [self.weight, self.bias]

    def train(self, mode=True):
        return self

    def eval(self):
        return self
