"""The per-step losses returned as a Python list of floats, not a 1-D tensor."""
import torch

LAB, CHECKS, EXPECT = "lab2", ["train_epoch"], "loop.losses_not_tensor"


def train_epoch(model, loader, optimizer, step=None, on_step=None):
    model.train()
    losses, outputs, targets = [], [], []
    for x, y in loader:
        loss, out = step(model, x, y, optimizer)
        losses.append(loss.item())
        outputs.append(out.detach())
        targets.append(y)
    return losses, torch.cat(outputs), torch.cat(targets)
