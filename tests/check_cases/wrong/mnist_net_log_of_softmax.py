"""torch.log(F.softmax(...)) for the output: -inf once a score is about 104 below its row's largest."""
import torch
import torch.nn.functional as F
from torch import nn

LAB, CHECKS, EXPECT = "mnist", ["MnistNet"], "mnist.log_of_softmax"


class MnistNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 10, kernel_size=5)
        self.conv2 = nn.Conv2d(10, 20, kernel_size=5)
        self.conv2_drop = nn.Dropout2d()
        self.fc1 = nn.Linear(320, 50)
        self.fc2 = nn.Linear(50, 10)

    def forward(self, x):
        x = F.relu(F.max_pool2d(self.conv1(x), 2))
        x = F.relu(F.max_pool2d(self.conv2_drop(self.conv2(x)), 2))
        x = x.view(-1, 320)
        x = F.dropout(F.relu(self.fc1(x)), training=self.training)
        return torch.log(F.softmax(self.fc2(x), dim=1))
