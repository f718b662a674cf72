"""Dropout right after the convolution, before the ReLU and the max-pool.

Caught by: dropout_placement
"""
import torch.nn as nn


class ConvNet2(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer1 = nn.Sequential(
            nn.Conv2d(1, 8, kernel_size=5, stride=1, padding=2),
            nn.Dropout(0.5),
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=2, stride=2))
        self.fc1 = nn.Linear(14 * 14 * 8, 500)
        self.fc2 = nn.Linear(500, 10)
        self.relu = nn.ReLU()

    def forward(self, x):
        out = self.layer1(x)
        out = out.reshape(out.size(0), -1)
        return self.fc2(self.relu(self.fc1(out)))
