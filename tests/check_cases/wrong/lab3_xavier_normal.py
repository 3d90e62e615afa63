"""Xavier-normal where the lab uses Xavier-uniform."""
from torch import nn

LAB, CHECKS, EXPECT = "lab3", ["xavier_init"], "xavier.normal"


def xavier_init(model):
    for m in model.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d)):
            nn.init.xavier_normal_(m.weight)
