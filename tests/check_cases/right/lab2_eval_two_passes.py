"""evaluate runs the model twice on each batch: once for the loss, once for the predictions."""
import torch
import torch.nn.functional as F

LAB, CHECKS = "lab2", ["evaluate"]


@torch.no_grad()
def evaluate(model, loader, loss_fn=F.cross_entropy):
    model.eval()
    losses, hits, count = [], 0, 0
    for x, y in loader:
        losses.append(loss_fn(model(x), y) * len(y))
        hits += (model(x).argmax(1) == y).sum().item()
        count += len(y)
    return (torch.stack(losses).sum() / count).item(), hits / count
