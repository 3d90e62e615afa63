"""The target flattened to (N,) against an (N, 1) output."""
import torch.nn.functional as F

LAB, CHECKS, EXPECT = "lab4", ["train_step"], "loss.broadcast"


def train_step(model, x, y, optimizer):
    loss = F.mse_loss(model(x), y.view(-1))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss
