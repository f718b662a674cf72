"""Runs under torch.inference_mode() and counts with numpy."""
import numpy as np
import torch


def validation(model, valloader, criterion):
    model.eval()
    batch_losses, correct, seen = [], 0, 0
    with torch.inference_mode():
        for inputs, labels in valloader:
            outputs = model(inputs)
            batch_losses.append(criterion(outputs, labels).item())
            correct += int(np.sum(outputs.argmax(1).cpu().numpy() == labels.cpu().numpy()))
            seen += len(labels)
    return float(np.mean(batch_losses)), correct / seen
