"""nn.Dropout(0.5) on the pooled 4-D feature maps, before flattening: element-wise, the same thing."""
import torch
import torch.nn as nn


class ConvNet2(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer1 = nn.Sequential(
            nn.Conv2d(1, 8, kernel_size=5, stride=1, padding=2),
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=2, stride=2),
            nn.Dropout(0.5))
        self.fc1 = nn.Linear(14 * 14 * 8, 500)
        self.fc2 = nn.Linear(500, 10)

    def forward(self, x):
        out = self.layer1(x)
        out = out.reshape(out.size(0), -1)
        out = torch.relu(self.fc1(out))
        return self.fc2(out)
