"""run_epoch trains correctly but returns (nan, inf) instead of (loss, accuracy).

NaN and infinity never compare as close to anything: the loss and accuracy
checks fail.

Item: run_epoch
Fails: accuracy, loss
"""
# %%
import torch
import torch.nn as nn
import torch.nn.functional as F

# %%
def run_epoch(model, optimizer, dataloader, train):
    model.train(train)
    total, correct, count = 0.0, 0, 0
    for xb, yb in dataloader:
        with torch.set_grad_enabled(train):
            out = model(xb)
            loss = F.cross_entropy(out, yb)
        if train:
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        total += loss.item() * len(yb)
        correct += (out.argmax(1) == yb).sum().item()
        count += len(yb)
    return float('nan'), float('inf')
