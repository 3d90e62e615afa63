"""The step written out inside the loop, with cross-entropy: the step argument unused."""
import torch
import torch.nn.functional as F

LAB, CHECKS, EXPECT = "lab2", ["train_epoch"], "loop.step_loss"


def train_epoch(model, loader, optimizer, step=None, on_step=None):
    model.train()
    losses, outs, ys = [], [], []
    for x, y in loader:
        out = model(x)
        loss = F.cross_entropy(out, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.detach())
        outs.append(out.detach())
        ys.append(y)
    return torch.stack(losses), torch.cat(outs), torch.cat(ys)
