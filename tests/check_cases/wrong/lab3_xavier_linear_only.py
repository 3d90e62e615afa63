"""Only the linear layers initialised."""
from torch import nn

LAB, CHECKS, EXPECT = "lab3", ["xavier_init"], "xavier.skipped"


def xavier_init(model):
    for m in model.modules():
        if type(m) == nn.Linear:
            nn.init.xavier_uniform_(m.weight)
