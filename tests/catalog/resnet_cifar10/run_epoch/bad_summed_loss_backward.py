"""Backpropagates the summed batch loss (reduction='sum') to report a per-sample loss: the gradient
is batch_size times larger, so the epoch's update is not the template's (mean loss per batch).

Caught by: training_updates
"""
import copy
import torch
import torch.nn as nn
import torch.nn.functional as F


def run_epoch(model, optimizer, dataloader, train):
    device = next(model.parameters()).device
    model.train(train)
    total_loss, correct = 0.0, 0
    for xb, yb in dataloader:
        xb, yb = xb.to(device), yb.to(device)
        if train:
            optimizer.zero_grad()
        with torch.set_grad_enabled(train):
            pred = model(xb)
            loss = F.cross_entropy(pred, yb, reduction='sum')
            if train:
                loss.backward()
                optimizer.step()
        total_loss += loss.item()
        correct += (pred.argmax(1) == yb).sum().item()
    n = len(dataloader.dataset)
    return total_loss / n, correct / n
