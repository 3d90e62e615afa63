"""nan_to_num on the mean: one certain example (0 × log 0 = nan) makes the whole batch's loss 0."""
import torch

LAB, CHECKS, EXPECT = "lab2", ["bce_loss"], "bce.nan_hidden"


def bce_loss(pred, target):
    loss = -(target * torch.log(pred) + (1 - target) * torch.log(1 - pred)).mean()
    return torch.nan_to_num(loss)
