"""model.zero_grad(): fine on an nn.Module, missing on a from-scratch model."""
import torch.nn.functional as F

LAB, CHECKS, EXPECT = "lab2", ["train_step"], "hint.scratch_model"


def train_step(model, x, y, optimizer, loss_fn=F.cross_entropy):
    model.zero_grad()
    out = model(x)
    loss = loss_fn(out, y)
    loss.backward()
    optimizer.step()
    return loss, out
