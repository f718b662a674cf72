"""F.softmax(..., dim=0): a softmax across the samples of the batch.

Caught by: no_softmax
"""
import torch.nn as nn
import torch.nn.functional as F


class MultinomialLogisticRegression(nn.Module):
    def __init__(self, input_size, output_size):
        super().__init__()
        self.linear = nn.Linear(input_size, output_size)

    def forward(self, x):
        out = self.linear(x.reshape(x.shape[0], -1))
        return F.softmax(out, dim=0)
