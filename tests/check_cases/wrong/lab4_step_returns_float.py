"""train_step returning a Python float."""
import torch.nn.functional as F

LAB, CHECKS, EXPECT = "lab4", ["train_step"], "step.loss_not_tensor"


def train_step(model, x, y, optimizer):
    loss = F.mse_loss(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return float(loss)
