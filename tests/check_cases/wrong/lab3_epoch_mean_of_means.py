"""The epoch's loss as the mean of the batch means."""
import torch.nn.functional as F

LAB, CHECKS, EXPECT = "lab3", ["train_epoch"], "loop.mean_of_batch_means"


def train_epoch(model, loader, optimizer):
    model.train()
    losses, correct, seen = [], 0, 0
    for x, y in loader:
        logits = model(x)
        loss = F.cross_entropy(logits, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        correct += (logits.argmax(1) == y).sum().item()
        seen += len(y)
    return sum(losses) / len(losses), correct / seen
