"""Only model[0], [3], [7], [9] and [11] initialised: the d2l LeNet's positions, not every
Conv2d and Linear."""
from torch import nn

LAB, CHECKS, EXPECT = "lab3", ["xavier_init"], "xavier.skipped"


def xavier_init(model):
    for i in (0, 3, 7, 9, 11):
        nn.init.xavier_uniform_(model[i].weight)
