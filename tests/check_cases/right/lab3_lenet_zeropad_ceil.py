"""The d2l LeNet with nn.ZeroPad2d(2) before an unpadded first convolution, AvgPool2d with
ceil_mode (even sizes: the same), nn.Flatten(1)."""
from torch import nn

LAB, CHECKS = "lab3", ["d2l_lenet"]


def d2l_lenet():
    return nn.Sequential(
        nn.ZeroPad2d(2), nn.Conv2d(1, 6, kernel_size=(5, 5)), nn.Sigmoid(),
        nn.AvgPool2d(2, ceil_mode=True),
        nn.Conv2d(6, 16, 5), nn.Sigmoid(), nn.AvgPool2d(kernel_size=2),
        nn.Flatten(1),
        nn.Linear(400, 120), nn.Sigmoid(),
        nn.Linear(120, 84), nn.Sigmoid(),
        nn.Linear(84, 10))
