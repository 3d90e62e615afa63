"""Every batch through step, but the losses kept are cross-entropies worked out again in the
loop, not the ones the step (with its own loss) returned."""
import torch
import torch.nn.functional as F

LAB, CHECKS, EXPECT = "lab2", ["train_epoch"], "loop.loss_recomputed"


def train_epoch(model, loader, optimizer, step=None, on_step=None):
    model.train()
    losses, outs, ys = [], [], []
    for x, y in loader:
        _, out = step(model, x, y, optimizer)
        losses.append(F.cross_entropy(out.detach(), y))
        outs.append(out.detach())
        ys.append(y)
    return torch.stack(losses), torch.cat(outs), torch.cat(ys)
