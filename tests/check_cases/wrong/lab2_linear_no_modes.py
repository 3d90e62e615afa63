"""No train() or eval(): the training loop calls them."""
import torch

LAB, CHECKS, EXPECT = "lab2", ["Linear"], "linear.modes"


class Linear:
    def __init__(self, n_in, n_out):
        self.weight = (torch.randn(n_in, n_out) * 0.01).requires_grad_()
        self.bias = torch.zeros(n_out, requires_grad=True)

    def __call__(self, x):
        return x @ self.weight + self.bias

    def parameters(self):
        return [self.weight, self.bias]
