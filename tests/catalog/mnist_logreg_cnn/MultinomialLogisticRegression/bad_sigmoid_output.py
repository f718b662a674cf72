"""Logistic regression read as "apply the logistic function": a sigmoid on the logits.

Caught by: no_softmax
"""
import torch
import torch.nn as nn


class MultinomialLogisticRegression(nn.Module):
    def __init__(self, input_size, output_size):
        super().__init__()
        self.linear = nn.Linear(input_size, output_size)

    def forward(self, x):
        x = x.reshape(x.shape[0], -1)
        return torch.sigmoid(self.linear(x))
