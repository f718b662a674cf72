"""Terse names (``c1``, ``c2``, ``f1``…), the linear layers registered before the convolutions, explicit
``kernel_size=(5, 5)``, ``stride=1``, ``padding=0``, ``torch.relu`` and ``nn.functional`` called by path."""
import torch
import torch.nn as nn


class LeNet(nn.Module):
    def __init__(self):
        super(LeNet, self).__init__()
        self.f1 = nn.Linear(in_features=16 * 4 * 4, out_features=120)
        self.f2 = nn.Linear(in_features=120, out_features=84)
        self.f3 = nn.Linear(in_features=84, out_features=10)
        self.c1 = nn.Conv2d(in_channels=1, out_channels=6, kernel_size=(5, 5), stride=1, padding=0)
        self.c2 = nn.Conv2d(in_channels=6, out_channels=16, kernel_size=(5, 5), stride=1, padding=0)

    def forward(self, x):
        x = nn.functional.max_pool2d(torch.relu(self.c1(x)), kernel_size=2, stride=2)
        x = nn.functional.max_pool2d(torch.relu(self.c2(x)), kernel_size=2, stride=2)
        x = x.view(-1, self.num_flat_features(x))
        x = torch.relu(self.f1(x))
        x = torch.relu(self.f2(x))
        x = self.f3(x)
        return x

    def num_flat_features(self, x):
        size = x.size()[1:]  # all dimensions except the batch dimension
        num_features = 1
        for s in size:
            num_features *= s
        return num_features
