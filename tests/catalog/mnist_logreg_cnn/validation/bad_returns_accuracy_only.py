"""Returns only the accuracy; the course unpacks `val_loss, val_acc = validation(...)`.

Caught by: returns_loss_and_accuracy
"""
import torch


def validation(model, valloader, criterion):
    model.eval()
    correct, total = 0, 0
    with torch.no_grad():
        for inputs, labels in valloader:
            correct += (model(inputs).argmax(1) == labels).sum().item()
            total += labels.size(0)
    return correct / total
