"""Log-softmax with nll_loss (the same loss), the device read from the parameters on every batch,
predictions compared on the CPU after .cpu() for both tensors.
"""
import copy
import torch
import torch.nn as nn
import torch.nn.functional as F


def run_epoch(model, optimizer, dataloader, train):
    model.train(mode=train)
    epoch_loss, epoch_correct = 0.0, 0
    for batch in dataloader:
        device = next(model.parameters()).device
        x, y = batch[0].to(device), batch[1].to(device)
        if train:
            optimizer.zero_grad()
        with torch.set_grad_enabled(train):
            out = model(x)
            loss = F.nll_loss(F.log_softmax(out, dim=1), y)
        if train:
            loss.backward()
            optimizer.step()
        epoch_loss += float(loss)
        preds = out.detach().argmax(dim=1).cpu()
        epoch_correct += (preds == y.cpu()).sum().item()
    n = len(dataloader.dataset)
    return epoch_loss / n, epoch_correct / n
