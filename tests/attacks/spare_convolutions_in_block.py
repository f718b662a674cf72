"""ResidualBlock registers 398 unused 3×3 convolutions and uses one batch norm twice.

Every spare convolution has the shape of the second one, so each could take the reference's
weights, and with one batch norm for two places no assignment is complete: a weight matching
that tries the assignments by plain backtracking explores ~N³ of them in the judge (minutes,
whatever the submission deadline).  The judge refuses to match a block with more parameter
tensors than a correct one can come near, so the checks that copy the reference's weights
fail at once, saying how many it has; Dropout is graded normally.

Item: ResidualBlock
Fails: matches_reference_train, matches_reference_eval, gradients, parameter_shapes
Score: less
Report: parameter tensors
"""
# %%
import torch
import torch.nn as nn
import torch.nn.functional as F


class Lambda(nn.Module):
    def __init__(self, func):
        super().__init__()
        self.func = func

    def forward(self, x):
        return self.func(x)


# %%
class ResidualBlock(nn.Module):
    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__()
        self.spare = nn.ModuleList(nn.Conv2d(out_channels, out_channels, kernel_size=3, padding=1, bias=False)
                                   for _ in range(398))
        if stride > 1 or in_channels != out_channels:
            self.skip = Lambda(lambda x: F.pad(x[:, :, ::stride, ::stride],
                                               (0, 0, 0, 0, 0, out_channels - in_channels),
                                               mode="constant", value=0))
        else:
            self.skip = nn.Sequential()
        self.conv1 = nn.Conv2d(in_channels, out_channels, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, kernel_size=3, stride=1, padding=1, bias=False)

    def forward(self, input):
        out = F.relu(self.bn(self.conv1(input)))
        out = self.bn(self.conv2(out))
        return F.relu(out + self.skip(input))
