"""Returns loss.item() of the last batch instead of the epoch's loss.

Caught by: loss
"""
import copy
import torch
import torch.nn as nn
import torch.nn.functional as F


def run_epoch(model, optimizer, dataloader, train):
    device = next(model.parameters()).device
    model.train(train)
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
        correct += (pred.argmax(dim=1) == yb).sum().item()
    return loss.item(), correct / len(dataloader.dataset)
