"""Xavier-uniform with ReLU's gain: the bound is sqrt(2) too wide."""
from torch import nn

LAB, CHECKS, EXPECT = "lab3", ["xavier_init"], "xavier.bound"


def xavier_init(model):
    def init(m):
        if isinstance(m, (nn.Linear, nn.Conv2d)):
            nn.init.xavier_uniform_(m.weight, gain=nn.init.calculate_gain("relu"))
    model.apply(init)
