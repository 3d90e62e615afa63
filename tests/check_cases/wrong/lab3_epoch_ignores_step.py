"""The loop calls its own train_step, not the step it is given."""
import torch.nn.functional as F

LAB, CHECKS, EXPECT = "lab3", ["train_epoch"], "loop.step_ignored"


def train_step(model, x, y, optimizer):
    logits = model(x)
    loss = F.cross_entropy(logits, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss, logits


def train_epoch(model, loader, optimizer, step=train_step, on_step=None):
    model.train()
    total, correct, n = 0.0, 0, 0
    for x, y in loader:
        loss, logits = train_step(model, x, y, optimizer)
        total += loss.item() * len(y)
        correct += (logits.argmax(1) == y).sum().item()
        n += len(y)
    return total / n, correct / n
