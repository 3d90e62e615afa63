"""Each batch's accuracy measured again in eval mode, without no_grad and without switching
back: the steps after the first train in eval mode."""

LAB, CHECKS, EXPECT = "lab3", ["train_epoch"], "loop.mode_switched"


def train_epoch(model, loader, optimizer, step=None, on_step=None):
    model.train()
    total, correct, n = 0.0, 0, 0
    for x, y in loader:
        loss, logits = step(model, x, y, optimizer)
        model.eval()
        correct += (model(x).argmax(1) == y).sum().item()
        total += loss.item() * len(y)
        n += len(y)
    return total / n, correct / n
