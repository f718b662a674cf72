"""Never calls model.eval(): dropout stays on while validating.

Caught by: eval_mode
"""
import torch


def validation(model, valloader, criterion):
    correct, total, running_loss = 0, 0, 0.0
    with torch.no_grad():
        for inputs, labels in valloader:
            outputs = model(inputs)
            running_loss += criterion(outputs, labels).item()
            correct += (outputs.argmax(1) == labels).sum().item()
            total += labels.size(0)
    return running_loss / len(valloader), correct / total
