"""Calls model.eval() for evaluation but never model.train(): after the first validation epoch the
model stays in evaluation mode for all later training (dropout and batch norm switched off).

Caught by: model_mode
"""
import copy
import torch
import torch.nn as nn
import torch.nn.functional as F


def run_epoch(model, optimizer, dataloader, train):
    device = next(model.parameters()).device
    if not train:
        model.eval()
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
        epoch_acc += torch.sum(torch.argmax(pred, dim=1) == yb).item()
    epoch_loss /= len(dataloader.dataset)
    epoch_acc /= len(dataloader.dataset)
    return epoch_loss, epoch_acc
