"""Divides by len(loader) * batch size: the last, smaller batch counted as a full one."""
LAB, CHECKS, EXPECT = "lab3", ["train_epoch"], "loop.full_batches"


def train_epoch(model, loader, optimizer, step=None, on_step=None):
    model.train()
    loss_sum, hits = 0.0, 0
    for x, y in loader:
        loss, logits = step(model, x, y, optimizer)
        loss_sum += loss.item() * len(y)
        hits += (logits.argmax(1) == y).sum().item()
    n = len(loader) * loader.batch_size
    return loss_sum / n, hits / n
