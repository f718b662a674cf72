"""One ResidualBlock(out_channels, out_channels) object is created before the loop and appended
num_blocks - 1 times: the ModuleList holds the same block again and again, so those positions share
one set of weights (the stack has the parameters of two blocks, whatever num_blocks is; with
num_blocks = 1 that block is built and never used).

Caught by: block_configuration, applies_blocks_in_order
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
        self.blocks.append(ResidualBlock(in_channels, out_channels, stride))
        block = ResidualBlock(out_channels, out_channels)
        for i in range(num_blocks - 1):
            self.blocks.append(block)

    def forward(self, input):
        out = input
        for block in self.blocks:
            out = block(out)
        return out
