"""The epoch's loss as the sum of the batch losses."""
LAB, CHECKS, EXPECT = "lab4", ["train_epoch"], "loop.sum_not_mean"


def train_epoch(model, loader, optimizer, step=None, on_step=None):
    model.train()
    total = 0.0
    for x, y in loader:
        total += step(model, x, y, optimizer).item()
    return total
