"""The seed's version: forward reshapes with the notebook's global input_size = 784 (kept as a
dependency), not the constructor's argument, so any other input size breaks.

Caught by: output_shape
"""
import torch
import torch.nn as nn

input_size = 784
output_size = 10


# Add multinomial logistic regression
class MultinomialLogisticRegression(nn.Module):
    def __init__(self, input_size, output_size):
        super().__init__()
        self.classifier = torch.nn.Linear(input_size, output_size)
        # We don't use Softmax here because the CrossEntropyLoss function computes softmax before the CE.

    def forward(self, x):
        x = x.reshape(-1, input_size)
        x = self.classifier(x)
        return x
