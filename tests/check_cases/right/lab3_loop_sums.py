"""lab3's loop with reduction='sum' losses and counts kept as tensors until the end."""
import torch
import torch.nn.functional as F

LAB, CHECKS = "lab3", ["train_step", "train_epoch", "evaluate"]


def train_step(model, x, y, optimizer):
    for p in model.parameters():
        p.grad = None
    logits = model(x)
    loss = F.cross_entropy(logits, y)
    loss.backward()
    optimizer.step()
    return loss.detach(), logits.detach()


def train_epoch(model, loader, optimizer):
    model.train(True)
    loss_sum = torch.zeros((), dtype=torch.float64)
    hits = torch.zeros((), dtype=torch.long)
    n = 0
    for x, y in loader:
        loss, logits = train_step(model, x, y, optimizer)
        loss_sum += loss.double() * y.shape[0]
        hits += (logits.argmax(-1) == y).sum()
        n += y.shape[0]
    return loss_sum / n, hits.double() / n


@torch.no_grad()
def evaluate(model, loader):
    model.train(False)
    losses, hits = [], []
    for x, y in loader:
        logits = model(x)
        losses.append(F.cross_entropy(logits, y, reduction="sum"))
        hits.append((logits.argmax(1) == y).sum())
    n = len(loader.dataset)
    return (torch.stack(losses).sum() / n).item(), (torch.stack(hits).sum() / n).item()
