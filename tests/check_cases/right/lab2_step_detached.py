"""train_step returning the loss already detached (a tensor still), and a loop whose step
defaults to None, standing for train_step."""
import torch
import torch.nn.functional as F

LAB, CHECKS = "lab2", ["train_step", "train_epoch"]


def train_step(model, x, y, optimizer, loss_fn=F.cross_entropy):
    out = model(x)
    loss = loss_fn(out, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.detach(), out.detach()


def train_epoch(model, loader, optimizer, step=None, on_step=None):
    step = step or train_step
    model.train()
    losses, outs, ys = [], [], []
    for x, y in loader:
        loss, out = step(model, x, y, optimizer)
        losses.append(loss.detach())
        outs.append(out.detach())
        ys.append(y)
        if on_step is not None:
            on_step(losses, outs, ys)
    return torch.stack(losses), torch.cat(outs), torch.cat(ys)
