"""A hidden layer with ReLU: a small MLP, not logistic regression.

Caught by: parameter_count, single_affine_map
"""
import torch.nn as nn


class MultinomialLogisticRegression(nn.Module):
    def __init__(self, input_size, output_size):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(input_size, 128),
            nn.ReLU(),
            nn.Linear(128, output_size),
        )

    def forward(self, x):
        return self.net(x.view(x.size(0), -1))
