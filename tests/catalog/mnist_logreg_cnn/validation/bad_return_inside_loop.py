"""The return statement is indented into the loop: only the first batch is evaluated.

Caught by: every_batch_once, accuracy
"""
import torch


def validation(model, valloader, criterion):
    model.eval()
    correct, total, running_loss = 0, 0, 0.0
    with torch.no_grad():
        for inputs, labels in valloader:
            outputs = model(inputs)
            running_loss += criterion(outputs, labels).item()
            correct += (outputs.argmax(1) == labels).sum().item()
            total += labels.size(0)
            return running_loss / len(valloader), correct / total
