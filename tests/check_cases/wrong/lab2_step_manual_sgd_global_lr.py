"""train_step ignores its optimizer and updates the weights by hand with a global lr = 0.1."""
import torch
import torch.nn.functional as F
from torch import nn

LAB, CHECKS, EXPECT = "lab2", ["train_step"], "step.optimizer_unused"
lr = 0.1

def train_step(model, x, y, optimizer, loss_fn=F.cross_entropy):
    out = model(x)
    loss = loss_fn(out, y)
    for p in model.parameters():
        p.grad = None
    loss.backward()
    with torch.no_grad():
        for param in model.parameters():
            param -= lr * param.grad
    return loss, out
