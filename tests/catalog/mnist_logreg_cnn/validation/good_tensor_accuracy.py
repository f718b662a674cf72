"""Returns the accuracy as a 0-dim tensor and the loss per batch as a float."""
import torch


def validation(model, valloader, criterion):
    model.eval()
    losses = []
    correct = torch.tensor(0)
    with torch.no_grad():
        for inputs, labels in valloader:
            outputs = model(inputs)
            losses.append(criterion(outputs, labels).item())
            correct += (outputs.argmax(dim=1) == labels).sum()
    return sum(losses) / len(losses), correct.float() / len(valloader.dataset)
