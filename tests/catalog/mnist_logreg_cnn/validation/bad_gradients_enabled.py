"""Calls model.eval() but computes with gradients enabled.

Caught by: no_grad
"""
import torch


def validation(model, valloader, criterion):
    model.eval()
    correct, total, running_loss = 0, 0, 0.0
    for inputs, labels in valloader:
        outputs = model(inputs)
        running_loss += criterion(outputs, labels).item()
        correct += (outputs.argmax(1) == labels).sum().item()
        total += labels.size(0)
    return running_loss / len(valloader), correct / total
