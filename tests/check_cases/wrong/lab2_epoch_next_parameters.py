"""train_epoch finds the device with next(model.parameters()): a from-scratch model's parameters() is a list."""
import torch
import torch.nn.functional as F
from torch import nn

LAB, CHECKS, EXPECT = "lab2", ["train_epoch"], "hint.scratch_loop"
def train_step(model, x, y, optimizer, loss_fn=F.cross_entropy):
    out = model(x)
    loss = loss_fn(out, y)
    optimizer.zero_grad(); loss.backward(); optimizer.step()
    return loss, out

def train_epoch(model, loader, optimizer, step=train_step, on_step=None):
    device = next(model.parameters()).device
    model.train()
    losses, outs, ys = [], [], []
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        loss, out = step(model, x, y, optimizer)
        losses.append(loss.detach()); outs.append(out.detach()); ys.append(y)
    return torch.stack(losses), torch.cat(outs), torch.cat(ys)
