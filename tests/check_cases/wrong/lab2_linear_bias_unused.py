"""A bias that parameters() returns but the forward pass never adds."""
import torch

LAB, CHECKS, EXPECT = "lab2", ["Linear"], "linear.bias_no_grad"


class Linear:
    def __init__(self, n_in, n_out):
        self.W = (torch.randn(n_in, n_out) * 0.01).requires_grad_()
        self.b = torch.zeros(n_out, requires_grad=True)
    def __call__(self, x):
        return x @ self.W
    def parameters(self):
        return [self.W, self.b]
    def train(self, mode=True):
        return self
    def eval(self):
        return self
