"""mnist's loop: nll_loss summed per batch and divided at the end."""
import torch
import torch.nn.functional as F

LAB, CHECKS = "mnist", ["train_step", "train_epoch", "evaluate"]


def train_step(model, x, y, optimizer):
    out = model(x)
    loss = F.nll_loss(out, y)
    optimizer.zero_grad(set_to_none=False)
    loss.backward()
    optimizer.step()
    return loss


def train_epoch(model, loader, optimizer, step=train_step, on_step=None):
    model.train()
    total, n = torch.tensor(0.0), 0
    for x, y in loader:
        total += step(model, x, y, optimizer).detach() * len(y)
        n += len(y)
    return (total / n).item()


def evaluate(model, loader):
    model.eval()
    loss, correct = 0.0, 0
    with torch.no_grad():
        for data, target in loader:
            output = model(data)
            loss += F.nll_loss(output, target, reduction="sum").item()
            correct += output.argmax(dim=1, keepdim=True).eq(target.view_as(output.argmax(
                dim=1, keepdim=True))).sum().item()
    return loss / len(loader.dataset), correct / len(loader.dataset)
