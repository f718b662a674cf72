"""Returns the predicted classes ("we pick the node with the highest probability") instead of scores.

Caught by: output_shape, matches_reference
"""
import torch
import torch.nn as nn


class MultinomialLogisticRegression(nn.Module):
    def __init__(self, input_size, output_size):
        super().__init__()
        self.linear = nn.Linear(input_size, output_size)

    def forward(self, x):
        x = x.reshape(x.shape[0], -1)
        probabilities = torch.softmax(self.linear(x), dim=1)
        return torch.argmax(probabilities, dim=1)
