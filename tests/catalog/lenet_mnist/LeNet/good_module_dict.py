"""Layers kept in an ``nn.ModuleDict`` (registered, so found by the trace) and an ``nn.Flatten`` module,
with in-place ReLUs."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleDict({
            "conv1": nn.Conv2d(1, 6, 5),
            "conv2": nn.Conv2d(6, 16, 5),
            "fc1": nn.Linear(16 * 4 * 4, 120),
            "fc2": nn.Linear(120, 84),
            "fc3": nn.Linear(84, 10),
        })
        self.flatten = nn.Flatten()
        self.pool = nn.MaxPool2d(2)

    def forward(self, x):
        x = self.pool(F.relu(self.layers["conv1"](x), inplace=True))
        x = self.pool(F.relu(self.layers["conv2"](x), inplace=True))
        x = self.flatten(x)
        x = F.relu(self.layers["fc1"](x), inplace=True)
        x = F.relu(self.layers["fc2"](x), inplace=True)
        return self.layers["fc3"](x)
