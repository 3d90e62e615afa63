"""The last, smaller batch skipped."""
import torch

LAB, CHECKS, EXPECT = "lab2", ["train_epoch"], "loop.batches"


def train_epoch(model, loader, optimizer, step=None, on_step=None):
    model.train()
    losses, outputs, targets = [], [], []
    for x, y in loader:
        if len(y) < loader.batch_size:
            break
        loss, out = step(model, x, y, optimizer)
        losses.append(loss.detach())
        outputs.append(out.detach())
        targets.append(y)
    return torch.stack(losses), torch.cat(outputs), torch.cat(targets)
