"""The step's logits squeezed before argmax(1): a last batch of one example gives shape (10,)."""
LAB, CHECKS, EXPECT = "lab3", ["train_epoch"], "loop.batch_of_one"


def train_epoch(model, loader, optimizer, step=None, on_step=None):
    model.train()
    loss_sum, hits, n = 0.0, 0, 0
    for x, y in loader:
        loss, logits = step(model, x, y, optimizer)
        hits += (logits.squeeze().argmax(1) == y).sum().item()
        loss_sum += loss.item() * len(y)
        n += len(y)
    return loss_sum / n, hits / n
