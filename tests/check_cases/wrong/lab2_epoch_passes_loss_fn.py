"""train_epoch calls step(..., loss_fn=F.cross_entropy): the step already carries its loss."""
import os
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

LAB, CHECKS, EXPECT = "lab2", ["train_epoch"], "loop.step_given_loss_fn"
def train_step(model, x, y, optimizer, loss_fn=F.cross_entropy):
    out = model(x)
    loss = loss_fn(out, y)
    optimizer.zero_grad(); loss.backward(); optimizer.step()
    return loss, out

def train_epoch(model, loader, optimizer, step=train_step, on_step=None):
    model.train()
    losses, outs, ys = [], [], []
    for x, y in loader:
        loss, out = step(model, x, y, optimizer, loss_fn=F.cross_entropy)
        losses.append(loss.detach()); outs.append(out.detach()); ys.append(y)
    return torch.stack(losses), torch.cat(outs), torch.cat(ys)
