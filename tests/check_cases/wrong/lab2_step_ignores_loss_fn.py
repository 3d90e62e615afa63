"""The loss fixed inside: the loss_fn argument never used."""
import torch.nn.functional as F

LAB, CHECKS, EXPECT = "lab2", ["train_step"], "step.loss_fn_ignored"


def train_step(model, x, y, optimizer, loss_fn=F.cross_entropy):
    out = model(x)
    loss = F.cross_entropy(out, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss, out
