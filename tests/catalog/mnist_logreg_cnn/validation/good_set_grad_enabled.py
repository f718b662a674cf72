"""Uses torch.set_grad_enabled(False) and model.train(False); returns a list [loss, accuracy]."""
import torch


def validation(model, valloader, criterion):
    model.train(False)
    loss_sum, hits = 0.0, 0
    with torch.set_grad_enabled(False):
        for batch in valloader:
            inputs, labels = batch
            outputs = model(inputs)
            loss_sum += criterion(outputs, labels).item()
            hits += int((outputs.max(dim=1)[1] == labels).sum())
    return [loss_sum / len(valloader), hits / len(valloader.dataset)]
