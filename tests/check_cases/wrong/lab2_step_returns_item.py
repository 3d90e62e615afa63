"""train_step returning loss.item(): the lab's train_epoch calls .detach() on it."""
import torch.nn.functional as F

LAB, CHECKS, EXPECT = "lab2", ["train_step"], "step.loss_not_tensor"


def train_step(model, x, y, optimizer, loss_fn=F.cross_entropy):
    out = model(x)
    loss = loss_fn(out, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item(), out
