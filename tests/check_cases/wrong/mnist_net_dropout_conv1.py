"""F.dropout (value by value) on conv1's output, and none on conv2's: dropped before conv2."""
import torch.nn.functional as F
from torch import nn

LAB, CHECKS, EXPECT = "mnist", ["MnistNet"], "mnist.dropout_before_conv2"


class MnistNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 10, kernel_size=5)
        self.conv2 = nn.Conv2d(10, 20, kernel_size=5)
        self.fc1 = nn.Linear(320, 50)
        self.fc2 = nn.Linear(50, 10)

    def forward(self, x):
        x = F.dropout(F.relu(F.max_pool2d(self.conv1(x), 2)), training=self.training)
        x = F.relu(F.max_pool2d(self.conv2(x), 2))
        x = x.view(-1, 320)
        x = F.dropout(F.relu(self.fc1(x)), training=self.training)
        return F.log_softmax(self.fc2(x), dim=1)
