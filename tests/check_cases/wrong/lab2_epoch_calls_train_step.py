"""A loop that takes step and calls train_step itself: the logistic runs' step (with
loss_fn=bce_loss bound in) never runs."""
import torch
import torch.nn.functional as F

LAB, CHECKS, EXPECT = "lab2", ["train_epoch"], "loop.step_loss"


def train_step(model, x, y, optimizer, loss_fn=F.cross_entropy):
    out = model(x)
    loss = loss_fn(out, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss, out


def train_epoch(model, loader, optimizer, step=train_step, on_step=None):
    model.train()
    losses, outs, ys = [], [], []
    for x, y in loader:
        loss, out = train_step(model, x, y, optimizer)
        losses.append(loss.detach())
        outs.append(out.detach())
        ys.append(y)
    return torch.stack(losses), torch.cat(outs), torch.cat(ys)
