"""Returns the accuracy in percent (the fit template prints accuracy * 100, which then shows 5000%).

Caught by: accuracy
"""
import copy
import torch
import torch.nn as nn
import torch.nn.functional as F


def run_epoch(model, optimizer, dataloader, train):
    device = next(model.parameters()).device
    model.train(train)
    epoch_loss = 0.0
    correct = 0
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
        correct += (pred.argmax(dim=1) == yb).sum().item()
    n = len(dataloader.dataset)
    return epoch_loss / n, 100.0 * correct / n
