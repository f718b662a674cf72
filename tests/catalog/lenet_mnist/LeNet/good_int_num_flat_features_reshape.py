"""``num_flat_features`` cast to ``int``, ``reshape`` instead of ``view``, ``x.relu()`` tensor methods and a
shared ``nn.MaxPool2d((2, 2))`` module used twice."""
import numpy as np
import torch
import torch.nn as nn


class LeNet(nn.Module):
    def __init__(self):
        super(LeNet, self).__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.pool = nn.MaxPool2d((2, 2))
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 4 * 4, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(self.conv1(x).relu())
        x = self.pool(self.conv2(x).relu())
        x = x.reshape(-1, self.num_flat_features(x))
        x = self.fc1(x).relu()
        x = self.fc2(x).relu()
        x = self.fc3(x)
        return x

    def num_flat_features(self, x):
        return int(np.prod(x.size()[1:]))
