"""nn.CrossEntropyLoss as a global criterion, the loss averaged over batches (len(dataloader)),
set_to_none zeroing, non_blocking transfers, and the optimizer guarded with `is not None`.
"""
import copy
import torch
import torch.nn as nn
import torch.nn.functional as F

criterion = nn.CrossEntropyLoss()


def run_epoch(model, optimizer, dataloader, train):
    device = next(model.parameters()).device
    model.train() if train else model.eval()
    losses = []
    correct = 0
    for xb, yb in dataloader:
        xb = xb.to(device, non_blocking=True)
        yb = yb.to(device, non_blocking=True)
        with torch.set_grad_enabled(train):
            logits = model(xb)
            loss = criterion(logits, yb)
        if train and optimizer is not None:
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        losses.append(loss.item())
        correct += int((logits.argmax(1) == yb).sum())
    return sum(losses) / len(dataloader), correct / len(dataloader.dataset)
