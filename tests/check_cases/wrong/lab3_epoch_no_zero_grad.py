"""An epoch written in one piece, zero_grad forgotten."""
import torch.nn.functional as F

LAB, CHECKS, EXPECT = "lab3", ["train_epoch"], "step.zero_grad_missing"


def train_epoch(model, loader, optimizer):
    model.train()
    loss_sum, correct, seen = 0.0, 0, 0
    for x, y in loader:
        logits = model(x)
        loss = F.cross_entropy(logits, y)
        loss.backward()
        optimizer.step()
        loss_sum += loss.item() * len(y)
        correct += (logits.argmax(1) == y).sum().item()
        seen += len(y)
    return loss_sum / seen, correct / seen
