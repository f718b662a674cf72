"""Accumulates 0-dim tensors instead of Python numbers and returns them (float32 accuracy);
evaluation under torch.inference_mode(); model.zero_grad() after the step instead of before.
"""
import copy
import torch
import torch.nn as nn
import torch.nn.functional as F


def run_epoch(model, optimizer, dataloader, train):
    device = next(model.parameters()).device
    if train:
        model.train()
    else:
        model.eval()
    running_loss = torch.tensor(0.0, device=device)
    correct = torch.tensor(0, device=device)
    for xb, yb in dataloader:
        xb, yb = xb.to(device), yb.to(device)
        if train:
            pred = model(xb)
            loss = F.cross_entropy(pred, yb)
            loss.backward()
            optimizer.step()
            model.zero_grad()
        else:
            with torch.inference_mode():
                pred = model(xb)
                loss = F.cross_entropy(pred, yb)
        running_loss += loss.detach()
        correct += (pred.argmax(dim=1) == yb).sum()
    size = len(dataloader.dataset)
    return running_loss / size, correct.float() / size
