"""Never zeroes the gradients ("backward computes them fresh"): they accumulate over the batches,
so every step uses the sum of all gradients so far.

Caught by: training_updates
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
        with torch.set_grad_enabled(train):
            pred = model(xb)
            loss = F.cross_entropy(pred, yb)
            if train:
                loss.backward()
                optimizer.step()
        epoch_loss += loss.item()
        epoch_acc += (pred.argmax(dim=1) == yb).sum().item()
    return epoch_loss / len(dataloader.dataset), epoch_acc / len(dataloader.dataset)
