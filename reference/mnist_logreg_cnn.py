"""Reference solution of the MNIST logistic-regression and dropout-CNN assignment (seed 003).

Written to be read: each definition follows the assignment text and the course's given code.
The checks use these to compute expected values in the judge process.
"""

import torch
import torch.nn as nn


class MultinomialLogisticRegression(nn.Module):
    """One affine map from ``input_size`` features to ``output_size`` logits (no softmax:
    ``nn.CrossEntropyLoss`` applies log-softmax itself).  Image batches (N, 1, 28, 28) are
    flattened first, so the course's ``train`` can pass MNIST batches straight in."""

    def __init__(self, input_size, output_size):
        super().__init__()
        self.linear = nn.Linear(input_size, output_size)

    def forward(self, x):
        return self.linear(x.reshape(x.shape[0], -1))


class ConvNet(nn.Module):
    """The course's convolutional network, given in the notebook."""

    def __init__(self):
        super().__init__()
        self.layer1 = nn.Sequential(
            nn.Conv2d(1, 8, kernel_size=5, stride=1, padding=2),
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=2, stride=2))
        self.fc1 = nn.Linear(14 * 14 * 8, 500)
        self.fc2 = nn.Linear(500, 10)

    def forward(self, x):
        out = self.layer1(x)
        out = out.reshape(out.size(0), -1)
        out = torch.relu(self.fc1(out))
        return self.fc2(out)


class ConvNet2(nn.Module):
    """ConvNet with dropout (p = 0.5) on the input of the first linear layer."""

    def __init__(self):
        super().__init__()
        self.layer1 = nn.Sequential(
            nn.Conv2d(1, 8, kernel_size=5, stride=1, padding=2),
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=2, stride=2))
        self.dropout = nn.Dropout(0.5)
        self.fc1 = nn.Linear(14 * 14 * 8, 500)
        self.fc2 = nn.Linear(500, 10)

    def forward(self, x):
        out = self.layer1(x)
        out = out.reshape(out.size(0), -1)
        out = torch.relu(self.fc1(self.dropout(out)))
        return self.fc2(out)


def train(model, trainloader, criterion, optimizer, epoch, num_epochs):
    """One pass over the training data, updating the weights after every batch."""
    model.train()
    for i, (inputs, labels) in enumerate(trainloader):
        optimizer.zero_grad()
        outputs = model(inputs)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()
        if (i + 1) % 100 == 0:
            print(f"Epoch [{epoch + 1}/{num_epochs}], Step [{i + 1}/{len(trainloader)}], Loss: {loss.item():.4f}")


def validation(model, valloader, criterion):
    """Mean loss per batch and accuracy (a fraction) over the validation data, without gradients."""
    model.eval()
    correct, total, running_loss = 0, 0, 0.0
    with torch.no_grad():
        for inputs, labels in valloader:
            outputs = model(inputs)
            running_loss += criterion(outputs, labels).item()
            correct += (outputs.argmax(dim=1) == labels).sum().item()
            total += labels.size(0)
    return running_loss / len(valloader), correct / total
