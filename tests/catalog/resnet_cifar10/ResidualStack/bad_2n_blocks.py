"""Builds 2 * num_blocks blocks (``range(2 * num_blocks)``, thinking of the 2n layers per stage of
the 6n + 2 count, although a ResidualBlock already holds two layers): twice the blocks asked for.

Caught by: block_configuration
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
    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__()
        if stride > 1 or in_channels != out_channels:
            # Add strides in the skip connection and zeros for the new channels.
            self.skip = Lambda(lambda x: F.pad(x[:, :, ::stride, ::stride],
                                               (0, 0, 0, 0, 0, out_channels - in_channels),
                                               mode="constant", value=0))
        else:
            self.skip = nn.Sequential()
        self.conv1 = nn.Conv2d(in_channels, out_channels, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)

    def forward(self, input):
        out = F.relu(self.bn1(self.conv1(input)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.skip(input))


class ResidualStack(nn.Module):
    def __init__(self, in_channels, out_channels, stride, num_blocks):
        super().__init__()
        self.blocks = nn.ModuleList()
        for i in range(2 * num_blocks):  # 2n layers per stage
            if i == 0:
                self.blocks.append(ResidualBlock(in_channels, out_channels, stride))
            else:
                self.blocks.append(ResidualBlock(out_channels, out_channels))

    def forward(self, input):
        for block in self.blocks:
            input = block(input)
        return input
