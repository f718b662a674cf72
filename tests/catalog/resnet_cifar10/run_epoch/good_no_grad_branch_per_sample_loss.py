"""Two branches: training as in the template, evaluation under torch.no_grad(); model.train(train);
the loss is the mean per sample (batch mean times batch size, summed, over the dataset size).
"""
import copy
import torch
import torch.nn as nn
import torch.nn.functional as F


def run_epoch(model, optimizer, dataloader, train):
    device = next(model.parameters()).device
    model.train(train)

    total_loss = 0.0
    total_correct = 0
    n = len(dataloader.dataset)

    for inputs, labels in dataloader:
        inputs = inputs.to(device)
        labels = labels.to(device)
        if train:
            optimizer.zero_grad()
            outputs = model(inputs)
            loss = F.cross_entropy(outputs, labels)
            loss.backward()
            optimizer.step()
        else:
            with torch.no_grad():
                outputs = model(inputs)
                loss = F.cross_entropy(outputs, labels)
        total_loss += loss.item() * inputs.size(0)
        _, predicted = torch.max(outputs, 1)
        total_correct += (predicted == labels).sum().item()

    return total_loss / n, total_correct / n
