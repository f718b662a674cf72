"""nn.Linear(output_size, input_size): the sizes in the wrong order (W "of shape [n, k]" read as Linear(k, n)).

Caught by: parameter_count, single_affine_map, output_shape
"""
import torch.nn as nn


class MultinomialLogisticRegression(nn.Module):
    def __init__(self, input_size, output_size):
        super().__init__()
        self.linear = nn.Linear(output_size, input_size)

    def forward(self, x):
        x = x.reshape(x.shape[0], -1)
        return self.linear(x)
