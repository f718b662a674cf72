"""Calls xb.to(device) and yb.to(device) without assigning the result: .to returns a new tensor,
so the batch stays where it was and a GPU model raises a device mismatch.

Caught by: moves_data_to_device, cuda_run_epoch
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
        xb.to(device)
        yb.to(device)
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
    return epoch_loss / len(dataloader.dataset), epoch_acc / len(dataloader.dataset)
