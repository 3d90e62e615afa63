"""model.train() after the first batch's step: the first batch trains in eval mode."""
LAB, CHECKS, EXPECT = "lab3", ["train_epoch"], "loop.train_late"


def train_epoch(model, loader, optimizer, step=None, on_step=None):
    total, correct, n = 0.0, 0, 0
    for x, y in loader:
        loss, logits = step(model, x, y, optimizer)
        model.train()
        total += loss.item() * len(y)
        correct += (logits.argmax(1) == y).sum().item()
        n += len(y)
    return total / n, correct / n
