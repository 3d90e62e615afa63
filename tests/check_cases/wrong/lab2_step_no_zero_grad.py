"""The step without zero_grad."""
import torch.nn.functional as F

LAB, CHECKS, EXPECT = "lab2", ["train_step"], "step.zero_grad_missing"


def train_step(model, x, y, optimizer, loss_fn=F.cross_entropy):
    out = model(x)
    loss = loss_fn(out, y)
    loss.backward()
    optimizer.step()
    return loss, out
