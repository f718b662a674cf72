"""Moves each batch only when a GPU is available (`if torch.cuda.is_available(): xb = xb.cuda()`):
correct on every machine, so it must pass `moves_data_to_device` on a CPU-only grader too.
"""
import torch
import torch.nn.functional as F

def run_epoch(model, optimizer, dataloader, train):
    model.train(train)
    total_loss, correct = 0.0, 0
    for xb, yb in dataloader:
        if torch.cuda.is_available():
            xb, yb = xb.cuda(), yb.cuda()
        with torch.set_grad_enabled(train):
            out = model(xb)
            loss = F.cross_entropy(out, yb)
        if train:
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        total_loss += loss.item()
        correct += (out.argmax(1) == yb).sum().item()
    return total_loss / len(dataloader.dataset), correct / len(dataloader.dataset)
