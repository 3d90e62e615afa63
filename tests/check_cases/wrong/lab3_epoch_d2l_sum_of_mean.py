"""d2l's float(l.sum()) on a loss that is already the batch's mean, then divided by the number
of examples."""
import torch.nn.functional as F

LAB, CHECKS, EXPECT = "lab3", ["train_epoch"], "loop.sum_of_means"


class Accumulator:
    def __init__(self, n):
        self.data = [0.0] * n

    def add(self, *args):
        self.data = [a + float(b) for a, b in zip(self.data, args)]

    def __getitem__(self, i):
        return self.data[i]


def accuracy(y_hat, y):
    if len(y_hat.shape) > 1 and y_hat.shape[1] > 1:
        y_hat = y_hat.argmax(axis=1)
    cmp = y_hat.type(y.dtype) == y
    return float(cmp.type(y.dtype).sum())


def train_step(model, x, y, optimizer):
    logits = model(x)
    loss = F.cross_entropy(logits, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss, logits


def train_epoch(model, loader, optimizer, step=train_step, on_step=None):
    model.train()
    metric = Accumulator(3)
    for X, y in loader:
        l, y_hat = step(model, X, y, optimizer)
        metric.add(float(l.sum()), accuracy(y_hat, y), y.numel())
    return metric[0] / metric[2], metric[1] / metric[2]
