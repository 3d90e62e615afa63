"""The parameter list is a class attribute, shared by every Linear made."""
import torch
import torch.nn.functional as F
from torch import nn

LAB, CHECKS, EXPECT = "lab2", ["Linear"], "linear.shared_list"
class Linear:
    params = []
    def __init__(self, n_in, n_out):
        self.W = torch.normal(0, 0.01, size=(n_in, n_out), requires_grad=True)
        self.b = torch.zeros(n_out, requires_grad=True)
        self.params.append(self.W)
        self.params.append(self.b)
    def __call__(self, x):
        return x @ self.W + self.b
    def parameters(self):
        return self.params
    def train(self, mode=True):
        return self
    def eval(self):
        return self
