"""Outputs and targets returned as lists of per-batch tensors, never concatenated. (Once a checker crash: .item() of a many-element tensor.)"""
import torch
import torch.nn.functional as F
from torch import nn

LAB, CHECKS, EXPECT = "lab2", ["train_epoch"], "value.type"

def train_epoch(model, loader, optimizer, step=None, on_step=None):
    model.train()
    losses, outputs, targets = [], [], []
    for x, y in loader:
        loss, out = step(model, x, y, optimizer)
        losses.append(loss.detach())
        outputs.append(out.detach())
        targets.append(y)
    return torch.stack(losses), outputs, targets
