"""Returns (output, loss): the order swapped."""
import torch.nn.functional as F

LAB, CHECKS, EXPECT = "lab2", ["train_step"], "step.swapped"


def train_step(model, x, y, optimizer, loss_fn=F.cross_entropy):
    out = model(x)
    loss = loss_fn(out, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return out, loss
