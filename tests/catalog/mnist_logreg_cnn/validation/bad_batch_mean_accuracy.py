"""Averages the batches' accuracies: the small last batch weighs as much as a full one.

Caught by: accuracy
"""
import torch


def validation(model, valloader, criterion):
    model.eval()
    accs, losses = [], []
    with torch.no_grad():
        for inputs, labels in valloader:
            outputs = model(inputs)
            losses.append(criterion(outputs, labels).item())
            accs.append((outputs.argmax(1) == labels).float().mean().item())
    return sum(losses) / len(losses), sum(accs) / len(accs)
