"""Other attribute names, torch.flatten(x, 1), and log_softmax at the end (trains the same under
nn.CrossEntropyLoss)."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class ConvNet2(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Conv2d(in_channels=1, out_channels=8, kernel_size=(5, 5), padding=(2, 2))
        self.pool = nn.MaxPool2d(kernel_size=2)
        self.dropout = nn.Dropout(0.5)
        self.hidden = nn.Linear(in_features=1568, out_features=500)
        self.output = nn.Linear(in_features=500, out_features=10)

    def forward(self, images):
        h = self.pool(F.relu(self.features(images)))
        h = torch.flatten(h, 1)
        h = F.relu(self.hidden(self.dropout(h)))
        return F.log_softmax(self.output(h), dim=1)
