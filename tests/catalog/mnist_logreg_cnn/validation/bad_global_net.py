"""Evaluates the global `net` instead of the `model` argument.

Caught by: uses_model_argument
"""
import torch
import torch.nn as nn

net = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 10))


def validation(model, valloader, criterion):
    net.eval()
    correct, total, running_loss = 0, 0, 0.0
    with torch.no_grad():
        for inputs, labels in valloader:
            outputs = net(inputs)
            running_loss += criterion(outputs, labels).item()
            correct += (outputs.argmax(1) == labels).sum().item()
            total += labels.size(0)
    return running_loss / len(valloader), correct / total
