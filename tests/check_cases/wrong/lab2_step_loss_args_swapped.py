"""train_step calls loss_fn(y, out): the scores and the targets swapped."""
import os
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

LAB, CHECKS, EXPECT = "lab2", ["train_step"], "hint.long_scores"
def train_step(model, x, y, optimizer, loss_fn=F.cross_entropy):
    out = model(x)
    loss = loss_fn(y, out)
    optimizer.zero_grad(); loss.backward(); optimizer.step()
    return loss, out
