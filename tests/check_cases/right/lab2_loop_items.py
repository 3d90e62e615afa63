"""lab2's step, epoch and evaluation written with running totals and a fixed loss per call."""
import torch
import torch.nn.functional as F

LAB, CHECKS = "lab2", ["train_step", "train_epoch", "evaluate"]


def train_step(model, x, y, optimizer, loss_fn=F.cross_entropy):
    optimizer.zero_grad()
    out = model(x)
    loss = loss_fn(out, y)
    loss.backward()
    optimizer.step()
    return loss, out


def train_epoch(model, loader, optimizer, step=train_step, on_step=None):
    model.train()
    record = {"loss": [], "out": [], "y": []}
    for batch in loader:
        x, y = batch
        loss, out = step(model, x, y, optimizer)
        record["loss"].append(loss.item())
        record["out"].append(out.detach())
        record["y"].append(y)
    return torch.tensor(record["loss"]), torch.cat(record["out"]), torch.cat(record["y"])


def evaluate(model, loader, loss_fn=F.cross_entropy):
    model.eval()
    n = total = right = 0
    with torch.inference_mode():
        for x, y in loader:
            out = model(x)
            total += float(loss_fn(out, y)) * y.numel()
            right += int((out.argmax(dim=1) == y).sum())
            n += y.numel()
    return total / n, right / n
