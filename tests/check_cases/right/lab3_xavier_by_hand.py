"""Xavier-uniform worked out by hand and written into each weight's .data, through
model.apply, for every Conv2d and Linear wherever it sits."""
import math

from torch import nn

LAB, CHECKS = "lab3", ["xavier_init"]


def init_one(m):
    if type(m) in (nn.Linear, nn.Conv2d):
        out_ch, in_ch = m.weight.shape[:2]
        field = m.weight[0, 0].numel()
        bound = math.sqrt(6 / ((in_ch + out_ch) * field))
        m.weight.data.uniform_(-bound, bound)


def xavier_init(model):
    model.apply(init_one)
