"""The seed student's block (the course's layout): one ``nn.ReLU(inplace=True)`` module used twice and
``x += self.skip(input)``. Correct: ``x`` is the second batch norm's fresh output, so the in-place
addition and ReLU never touch the input, and autograd does not need the overwritten values."""
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
    """
    The residual block used by ResNet.

    Args:
        in_channels: The number of channels (feature maps) of the incoming embedding
        out_channels: The number of channels after the first convolution
        stride: Stride size of the first convolution, used for downsampling
    """

    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__()
        if stride > 1 or in_channels != out_channels:
            # Add strides in the skip connection and zeros for the new channels.
            self.skip = Lambda(lambda x: F.pad(x[:, :, ::stride, ::stride],
                                               (0, 0, 0, 0, 0, out_channels - in_channels),
                                               mode="constant", value=0))
        else:
            self.skip = nn.Sequential()

        # TODO: Initialize the required layers
        self.conv1 = nn.Conv2d(in_channels, out_channels, kernel_size=3, stride=stride, padding=1, bias=False)
        self.batchNormalization1 = nn.BatchNorm2d(out_channels)
        self.activation_function = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(out_channels, out_channels, kernel_size=3, stride=1, padding=1, bias=False)
        self.batchNormalization2 = nn.BatchNorm2d(out_channels)

    def forward(self, input):
        # TODO: Execute the required layers and functions
        x = self.conv1(input)
        x = self.batchNormalization1(x)
        x = self.activation_function(x)
        x = self.conv2(x)
        x = self.batchNormalization2(x)
        x += self.skip(input)
        x = self.activation_function(x)
        return x
