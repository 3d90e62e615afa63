"""The gradients computed, the weights never updated."""
import torch.nn.functional as F

LAB, CHECKS, EXPECT = "lab4", ["train_step"], "step.no_step"


def train_step(model, x, y, optimizer):
    loss = F.mse_loss(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    return loss
