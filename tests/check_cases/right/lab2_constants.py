"""Constants worked out at the top of the file with torch, numpy and math (a float32 epsilon,
log of the smallest probability, a tensor of literals), used inside the functions."""
import math
from functools import partial

import numpy as np
import torch
import torch.nn.functional as F

LAB, CHECKS = "lab2", ["bce_loss", "cross_entropy"]

EPS: float = torch.finfo(torch.float32).eps
TINY = np.float32(1e-7)
NP_EPS = float(np.finfo(np.float32).eps)
LOG_FLOOR = math.log(1e-44)
HALF = torch.tensor(0.5).item()
CLASS_AXIS, BATCH_AXIS = 1, 0
ce_mean = partial(F.cross_entropy, reduction="mean")


def bce_loss(pred, target):
    if pred.shape != target.shape:
        raise ValueError("shape mismatch")
    p = pred.clamp(max(EPS, TINY, NP_EPS), 1 - EPS)
    terms = target * p.log().clamp(min=LOG_FLOOR) + (1 - target) * (1 - p).log()
    return -terms.mean() * (2 * HALF)


def cross_entropy(logits, target):
    m = logits.amax(dim=CLASS_AXIS, keepdim=True)
    lse = m + (logits - m).exp().sum(CLASS_AXIS, keepdim=True).log()
    log_p = logits - lse
    return -(target * log_p).sum(CLASS_AXIS).mean(BATCH_AXIS)
