"""Each step's loss kept with its graph."""
import torch
import torch.nn.functional as F

LAB, CHECKS, EXPECT = "lab2", ["train_epoch"], "loop.returns_graph"


def train_step(model, x, y, optimizer, loss_fn=F.cross_entropy):
    out = model(x)
    loss = loss_fn(out, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss, out


def train_epoch(model, loader, optimizer, step=train_step, on_step=None):
    model.train()
    losses, outputs, targets = [], [], []
    for x, y in loader:
        loss, out = step(model, x, y, optimizer)
        losses.append(loss)
        outputs.append(out.detach())
        targets.append(y)
    return torch.stack(losses), torch.cat(outputs), torch.cat(targets)
