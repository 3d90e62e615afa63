"""lab3's step clearing the gradients after the update instead of before, and a loop whose
step defaults to None, standing for its own train_step."""
import torch.nn.functional as F

LAB, CHECKS = "lab3", ["train_step", "train_epoch"]


def train_step(model, x, y, optimizer):
    logits = model(x)
    loss = F.cross_entropy(logits, y)
    loss.backward()
    optimizer.step()
    optimizer.zero_grad()
    return loss, logits


def train_epoch(model, loader, optimizer, step=None, on_step=None):
    model.train()
    total, hits, n = 0.0, 0, 0
    for x, y in loader:
        loss, logits = (step or train_step)(model, x, y, optimizer)
        total += loss.item() * len(y)
        hits += int((logits.argmax(1) == y).sum())
        n += len(y)
    return total / n, hits / n
