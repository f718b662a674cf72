"""Both convolutions first, then the batch norms with the one after the second convolution assigned
first (``self.norm_out`` before ``self.norm_mid``): registration order differs from the order of use,
which is still a correct block. The grader must try the swapped batch-norm mapping
(GRADING-DECISIONS.md: "a block that registers bn2 before bn1 is correct")."""
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
            self.skip = Lambda(lambda x: F.pad(x[:, :, ::stride, ::stride],
                                               (0, 0, 0, 0, 0, out_channels - in_channels),
                                               mode="constant", value=0))
        else:
            self.skip = nn.Sequential()

        # convolutions
        self.conv_a = nn.Conv2d(in_channels, out_channels, kernel_size=3, stride=stride, padding=1, bias=False)
        self.conv_b = nn.Conv2d(out_channels, out_channels, kernel_size=3, padding=1, bias=False)
        # batch norms: the one before the addition, and the one in the middle
        self.norm_out = nn.BatchNorm2d(out_channels)
        self.norm_mid = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU()

    def forward(self, input):
        out = self.relu(self.norm_mid(self.conv_a(input)))
        out = self.norm_out(self.conv_b(out))
        return self.relu(out + self.skip(input))
