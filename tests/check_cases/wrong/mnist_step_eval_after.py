"""The step switches the model to eval mode after its update, to look at the loss."""
import torch.nn.functional as F

LAB, CHECKS, EXPECT = "mnist", ["train_step"], "step.eval_mode"


def train_step(model, x, y, optimizer):
    optimizer.zero_grad()
    loss = F.nll_loss(model(x), y)
    loss.backward()
    optimizer.step()
    model.eval()
    return loss
