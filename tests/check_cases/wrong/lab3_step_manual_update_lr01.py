"""train_step ignores its optimizer: d2l's update by hand with a global lr = 0.1."""
import torch
import torch.nn.functional as F
from torch import nn

LAB, CHECKS, EXPECT = "lab3", ["train_step"], "step.optimizer_unused"
lr = 0.1

def train_step(model, x, y, optimizer):
    y_hat = model(x)
    l = F.cross_entropy(y_hat, y)
    model.zero_grad()
    l.backward()
    with torch.no_grad():
        for param in model.parameters():
            param -= lr * param.grad
            param.grad.zero_()
    return l, y_hat
