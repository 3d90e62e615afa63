"""The loop never calls model.train()."""
import torch.nn.functional as F

LAB, CHECKS, EXPECT = "lab3", ["train_epoch"], "loop.train_missing"


def train_step(model, x, y, optimizer):
    logits = model(x)
    loss = F.cross_entropy(logits, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss, logits


def train_epoch(model, loader, optimizer, step=train_step, on_step=None):
    loss_sum, correct, seen = 0.0, 0, 0
    for x, y in loader:
        loss, logits = step(model, x, y, optimizer)
        loss_sum += loss.item() * len(y)
        correct += (logits.argmax(1) == y).sum().item()
        seen += len(y)
    return loss_sum / seen, correct / seen
