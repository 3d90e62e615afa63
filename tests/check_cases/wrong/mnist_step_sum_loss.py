"""nll_loss with reduction='sum': the step grows with the batch."""
import torch.nn.functional as F

LAB, CHECKS, EXPECT = "mnist", ["train_step"], "loss.sum_not_mean"


def train_step(model, x, y, optimizer):
    optimizer.zero_grad()
    loss = F.nll_loss(model(x), y, reduction="sum")
    loss.backward()
    optimizer.step()
    return loss
