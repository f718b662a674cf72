"""The course's validation: mean loss per batch and accuracy as a fraction, under torch.no_grad()."""
import torch


def validation(model, valloader, criterion):
    correct = 0
    total = 0
    running_loss = 0.0
    model.eval()
    with torch.no_grad():
        for inputs, labels in valloader:
            outputs = model(inputs)
            loss = criterion(outputs, labels)
            running_loss += loss.item()
            _, predicted = torch.max(outputs.data, 1)
            total += labels.size(0)
            correct += (predicted == labels).sum().item()
    print('Validation accuracy: {:.2f} %'.format(100 * correct / total))
    return running_loss / len(valloader), correct / total
