"""A loop that waits for the loader to run out by hand and never gets there."""
import torch.nn.functional as F

LAB, CHECKS, EXPECT = "lab3", ["train_epoch"], "status.timeout"


def train_epoch(model, loader, optimizer):
    model.train()
    batches = iter(loader)
    x, y = next(batches)
    loss_sum, correct, seen = 0.0, 0, 0
    while seen < len(loader.dataset):
        logits = model(x)
        loss = F.cross_entropy(logits, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        loss_sum += loss.item() * len(y)
        correct += (logits.argmax(1) == y).sum().item()
    return loss_sum / seen, correct / seen
