"""The four layers kept in a plain Python list: PyTorch registers none of them, so the block has no
parameters (an optimizer would train nothing, .to(device) and .eval() would not reach them).

Caught by: parameter_shapes, matches_reference_train, matches_reference_eval
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
        self.layers = [
            nn.Conv2d(in_channels, out_channels, kernel_size=3, stride=stride, padding=1, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.Conv2d(out_channels, out_channels, kernel_size=3, stride=1, padding=1, bias=False),
            nn.BatchNorm2d(out_channels),
        ]

    def forward(self, input):
        conv1, bn1, conv2, bn2 = self.layers
        out = F.relu(bn1(conv1(input)))
        out = bn2(conv2(out))
        return F.relu(out + self.skip(input))
