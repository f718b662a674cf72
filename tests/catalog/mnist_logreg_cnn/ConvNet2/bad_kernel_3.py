"""A 3×3 convolution with padding=1 (the maps stay 28×28, so the rest still fits).

Caught by: parameter_count, architecture
"""
import torch.nn as nn


class ConvNet2(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer1 = nn.Sequential(
            nn.Conv2d(1, 8, kernel_size=3, stride=1, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=2, stride=2))
        self.classifier = nn.Sequential(
            nn.Dropout(0.5),
            nn.Linear(14 * 14 * 8, 500),
            nn.ReLU(),
            nn.Linear(500, 10))

    def forward(self, x):
        out = self.layer1(x)
        out = out.reshape(out.size(0), -1)
        return self.classifier(out)
