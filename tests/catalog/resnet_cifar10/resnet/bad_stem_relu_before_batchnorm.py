"""The stem is convolution → ReLU → batch norm; the text says a convolution layer is always
convolution + batch norm + activation (in eval mode with fresh statistics the misordering hides).

Caught by: stem
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
        self.blocks = nn.ModuleList([ResidualBlock(in_channels, out_channels, stride)])
        for _ in range(num_blocks - 1):
            self.blocks.append(ResidualBlock(out_channels, out_channels))

    def forward(self, input):
        for block in self.blocks:
            input = block(input)
        return input


n = 5
num_classes = 10

# TODO: Implement ResNet via nn.Sequential
resnet = nn.Sequential(
    nn.Conv2d(3, 16, kernel_size=3, padding=1, bias=False),
    nn.ReLU(),
    nn.BatchNorm2d(16),
    ResidualStack(16, 16, 1, n),
    ResidualStack(16, 32, 2, n),
    ResidualStack(32, 64, 2, n),
    nn.AdaptiveAvgPool2d(1),
    nn.Flatten(),
    nn.Linear(64, num_classes),
)


def initialize_weight(module):
    if isinstance(module, (nn.Linear, nn.Conv2d)):
        nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.constant_(module.weight, 1)
        nn.init.constant_(module.bias, 0)


resnet.apply(initialize_weight);
