"""The stride written without its default: every caller passes it.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


class Lambda(nn.Module):
    def __init__(self, func):
        super().__init__()
        self.func = func

    def forward(self, x):
        return self.func(x)


class ResidualBlock(nn.Module):
    def __init__(self, in_channels, out_channels, stride):
        super().__init__()
        if stride > 1 or in_channels != out_channels:
            self.skip = Lambda(lambda x: F.pad(x[:, :, ::stride, ::stride],
                                               (0, 0, 0, 0, 0, out_channels - in_channels),
                                               mode="constant", value=0))
        else:
            self.skip = nn.Sequential()
        self.c1 = nn.Conv2d(in_channels, out_channels, (3, 3), stride=(stride, stride), padding=(1, 1), bias=False)
        self.b1 = nn.BatchNorm2d(out_channels)
        self.c2 = nn.Conv2d(out_channels, out_channels, (3, 3), padding=(1, 1), bias=False)
        self.b2 = nn.BatchNorm2d(out_channels)

    def forward(self, x):
        identity = self.skip(x)
        out = self.c1(x)
        out = self.b1(out)
        out = torch.relu(out)
        out = self.c2(out)
        out = self.b2(out)
        out = out + identity
        out = torch.relu(out)
        return out
