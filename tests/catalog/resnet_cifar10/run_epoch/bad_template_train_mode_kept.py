"""Keeps the template's unconditional model.train() and only adds torch.no_grad() and the flag
checks: evaluation runs in training mode (dropout active, batch statistics in batch norm).

Caught by: model_mode
"""
import copy
import torch
import torch.nn as nn
import torch.nn.functional as F


def run_epoch(model, optimizer, dataloader, train):
    device = next(model.parameters()).device

    # Set model to training mode (for e.g. batch normalization, dropout)
    model.train()

    epoch_loss = 0.0
    epoch_acc = 0.0

    for xb, yb in dataloader:
        xb, yb = xb.to(device), yb.to(device)
        if train:
            optimizer.zero_grad()
        with torch.set_grad_enabled(train):
            pred = model(xb)
            loss = F.cross_entropy(pred, yb)
            top1 = torch.argmax(pred, dim=1)
            ncorrect = torch.sum(top1 == yb)
            if train:
                loss.backward()
                optimizer.step()
        epoch_loss += loss.item()
        epoch_acc += ncorrect.item()

    epoch_loss /= len(dataloader.dataset)
    epoch_acc /= len(dataloader.dataset)
    return epoch_loss, epoch_acc
