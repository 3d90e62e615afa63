"""The accuracy as a count of right answers."""

LAB, CHECKS, EXPECT = "lab3", ["train_epoch"], "loop.accuracy_count"


def train_epoch(model, loader, optimizer, step=None, on_step=None):
    model.train()
    loss_sum, correct, seen = 0.0, 0, 0
    for x, y in loader:
        loss, logits = step(model, x, y, optimizer)
        loss_sum += loss.item() * len(y)
        correct += (logits.argmax(1) == y).sum().item()
        seen += len(y)
    return loss_sum / seen, correct
