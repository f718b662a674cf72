"""Returns (accuracy, loss), the reverse of the documented (loss, accuracy).

Caught by: loss, accuracy
"""
import copy
import torch
import torch.nn as nn
import torch.nn.functional as F


def run_epoch(model, optimizer, dataloader, train):
    device = next(model.parameters()).device
    model.train(train)
    epoch_loss = 0.0
    epoch_acc = 0.0
    for xb, yb in dataloader:
        xb, yb = xb.to(device), yb.to(device)
        if train:
            optimizer.zero_grad()
        with torch.set_grad_enabled(train):
            pred = model(xb)
            loss = F.cross_entropy(pred, yb)
            if train:
                loss.backward()
                optimizer.step()
        epoch_loss += loss.item()
        epoch_acc += (pred.argmax(dim=1) == yb).sum().item()
    n = len(dataloader.dataset)
    return epoch_acc / n, epoch_loss / n
