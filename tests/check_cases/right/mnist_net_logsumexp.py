"""The tutorial's network with its log-softmax written as scores minus torch.logsumexp."""
import torch
import torch.nn.functional as F
from torch import nn

LAB, CHECKS = "mnist", ["MnistNet"]


class MnistNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 10, kernel_size=5)
        self.conv2 = nn.Conv2d(10, 20, kernel_size=5)
        self.drop2d = nn.Dropout2d(p=0.5)
        self.fc1 = nn.Linear(320, 50)
        self.fc2 = nn.Linear(50, 10)

    def forward(self, x):
        x = F.relu(F.max_pool2d(self.conv1(x), 2))
        x = F.relu(F.max_pool2d(self.drop2d(self.conv2(x)), 2))
        x = F.dropout(F.relu(self.fc1(torch.flatten(x, 1))), p=0.5, training=self.training)
        scores = self.fc2(x)
        return scores - torch.logsumexp(scores, dim=1, keepdim=True)
