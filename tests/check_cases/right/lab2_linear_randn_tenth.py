"""A linear layer with weights from randn * 0.1, and a cross-entropy from F.log_softmax."""
import torch
import torch.nn.functional as F

LAB, CHECKS = "lab2", ["Linear", "cross_entropy"]


class Linear:
    def __init__(self, n_in, n_out):
        self.W = (torch.randn(n_in, n_out) * 0.1).requires_grad_(True)
        self.b = torch.zeros(n_out, requires_grad=True)

    def __call__(self, x):
        return torch.matmul(x, self.W) + self.b

    def parameters(self):
        return [self.W, self.b]

    def train(self, mode=True):
        return self

    def eval(self):
        return self


def cross_entropy(logits, target):
    return torch.sum(-target * F.log_softmax(logits, dim=1)) / logits.shape[0]
