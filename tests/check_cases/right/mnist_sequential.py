"""The tutorial's network as nn.Sequential blocks, with nn.Dropout modules."""
from torch import nn

LAB, CHECKS = "mnist", ["MnistNet"]


class MnistNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 10, 5), nn.MaxPool2d(2), nn.ReLU(),
            nn.Conv2d(10, 20, 5), nn.Dropout2d(0.5), nn.MaxPool2d(2), nn.ReLU())
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(320, 50), nn.ReLU(), nn.Dropout(0.5), nn.Linear(50, 10),
            nn.LogSoftmax(dim=1))

    def forward(self, x):
        return self.classifier(self.features(x))
