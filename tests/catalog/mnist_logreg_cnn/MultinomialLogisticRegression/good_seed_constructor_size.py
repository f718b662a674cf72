"""The seed's version with the one fix: the reshape uses the constructor's input_size."""
import torch
import torch.nn as nn

input_size = 784
output_size = 10


# Add multinomial logistic regression
class MultinomialLogisticRegression(nn.Module):
    def __init__(self, input_size, output_size):
        super().__init__()
        self.input_size = input_size
        self.classifier = torch.nn.Linear(input_size, output_size)
        # We don't use Softmax here because the CrossEntropyLoss function computes softmax before the CE.

    def forward(self, x):
        x = x.reshape(-1, self.input_size)
        x = self.classifier(x)
        return x
