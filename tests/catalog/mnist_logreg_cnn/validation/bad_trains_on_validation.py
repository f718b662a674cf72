"""Copied from train: takes optimizer steps on the validation data.

Caught by: leaves_parameters, no_grad
"""
import torch


def validation(model, valloader, criterion):
    model.eval()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    correct, total, running_loss = 0, 0, 0.0
    for inputs, labels in valloader:
        optimizer.zero_grad()
        outputs = model(inputs)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()
        running_loss += loss.item()
        correct += (outputs.argmax(1) == labels).sum().item()
        total += labels.size(0)
    return running_loss / len(valloader), correct / total
