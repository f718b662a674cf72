"""Moves each batch with the notebook's global `device` instead of the model's own device: it runs
in the notebook, where the network was moved to that same global, but breaks for a model on any
other device (a model kept on the CPU while `device` is 'cuda').

Caught by: moves_data_to_device
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

device = torch.device('cuda') if torch.cuda.is_available() else torch.device('cpu')


def run_epoch(model, optimizer, dataloader, train):
    if train:
        model.train()
    else:
        model.eval()
    epoch_loss = 0.0
    epoch_acc = 0.0
    with torch.set_grad_enabled(train):
        for xb, yb in dataloader:
            xb, yb = xb.to(device), yb.to(device)
            pred = model(xb)
            loss = F.cross_entropy(pred, yb)
            if train:
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            epoch_loss += loss.item()
            epoch_acc += (pred.argmax(dim=1) == yb).sum().item()
    return epoch_loss / len(dataloader.dataset), epoch_acc / len(dataloader.dataset)
