"""train_step returning (loss, out.detach()); epoch calling step with keywords and building the loss tensor with torch.tensor; evaluate with len(loader.dataset), inference_mode and the mode put back."""
import torch
import torch.nn.functional as F
from torch import nn

LAB, CHECKS = "lab2", ["train_step", "train_epoch", "evaluate"]

def train_step(model, x, y, optimizer, loss_fn=F.cross_entropy):
    optimizer.zero_grad()
    out = model(x)
    loss = loss_fn(out, y)
    loss.backward()
    optimizer.step()
    return loss, out.detach()

def train_epoch(model, loader, optimizer, step=train_step, on_step=None):
    model.train()
    losses, outputs, targets = [], [], []
    for x, y in loader:
        loss, out = step(model=model, x=x, y=y, optimizer=optimizer)
        losses.append(loss.item())
        outputs.append(out.detach())
        targets.append(y)
        if on_step:
            on_step(losses, outputs, targets)
    return torch.tensor(losses), torch.cat(outputs), torch.cat(targets)

def evaluate(model, loader, loss_fn=F.cross_entropy):
    was_training = model.training
    model.eval()
    total, correct = 0.0, 0
    with torch.inference_mode():
        for x, y in loader:
            out = model(x)
            total += float(loss_fn(out, y)) * x.shape[0]
            correct += int((out.argmax(dim=1) == y).sum())
    model.train(was_training)
    n = len(loader.dataset)
    return total / n, correct / n
