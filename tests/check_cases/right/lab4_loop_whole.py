"""lab4's loop with the squared errors summed by hand and the RMSE from the total."""
import torch

LAB, CHECKS = "lab4", ["train_step", "train_epoch", "evaluate"]


def train_step(model, x, y, optimizer):
    pred = model(x)
    loss = ((pred - y) ** 2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss


def train_epoch(model, loader, optimizer, step=train_step, on_step=None):
    model.train()
    total, n = 0.0, 0
    for x, y in loader:
        total += step(model, x, y, optimizer).item() * len(x)
        n += len(x)
    return total / n


def evaluate(model, loader):
    model.eval()
    sq, n = 0.0, 0
    with torch.no_grad():
        for x, y in loader:
            sq += ((model(x) - y) ** 2).sum().item()
            n += y.shape[0]
    return sq / n, (sq / n) ** 0.5
