"""on_step called with the step's loss alone, not the three lists so far (the lab's divergence
check, passed as on_step, would break)."""
import torch
import torch.nn.functional as F

LAB, CHECKS, EXPECT = "lab2", ["train_epoch"], "loop.on_step"


def train_step(model, x, y, optimizer, loss_fn=F.cross_entropy):
    out = model(x)
    loss = loss_fn(out, y)
    optimizer.zero_grad(); loss.backward(); optimizer.step()
    return loss, out


def train_epoch(model, loader, optimizer, step=train_step, on_step=None):
    model.train()
    losses, outs, ys = [], [], []
    for x, y in loader:
        loss, out = step(model, x, y, optimizer)
        losses.append(loss.detach()); outs.append(out.detach()); ys.append(y)
        if on_step is not None:
            on_step(loss.item())
    return torch.stack(losses), torch.cat(outs), torch.cat(ys)
