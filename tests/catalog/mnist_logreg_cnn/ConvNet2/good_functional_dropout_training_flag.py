"""F.dropout with training=self.training, functional ReLU and max-pool."""
import torch.nn as nn
import torch.nn.functional as F


class ConvNet2(nn.Module):
    def __init__(self):
        super(ConvNet2, self).__init__()
        self.conv = nn.Conv2d(1, 8, 5, padding=2)
        self.fc1 = nn.Linear(8 * 14 * 14, 500)
        self.fc2 = nn.Linear(500, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv(x)), 2)
        x = x.view(x.size(0), -1)
        x = F.dropout(x, p=0.5, training=self.training)
        x = F.relu(self.fc1(x))
        return self.fc2(x)
