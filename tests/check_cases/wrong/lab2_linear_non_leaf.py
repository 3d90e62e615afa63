"""requires_grad asked before scaling: the weight is not a leaf."""
import torch

LAB, CHECKS, EXPECT = "lab2", ["Linear"], "linear.non_leaf"


class Linear:
    def __init__(self, n_in, n_out, dtype=torch.float32):
        self.weight = torch.randn(n_in, n_out, dtype=dtype, requires_grad=True) * 0.01
        self.bias = torch.zeros(n_out, dtype=dtype, requires_grad=True)

    def __call__(self, x):
        return x @ self.weight + self.bias

    def parameters(self):
        return [self.weight, self.bias]

    def train(self, mode=True):
        return self

    def eval(self):
        return self
