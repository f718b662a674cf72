"""A notebook-level `device` string exists (as in the course's GPU cells) but run_epoch takes the
device from the model, as the template does; it also names a local `device` that shadows the global.
"""
import torch
import torch.nn.functional as F

device = 'cuda' if torch.cuda.is_available() else 'cpu'
DEVICE = torch.device(device)


def run_epoch(model, optimizer, dataloader, train):
    device = next(model.parameters()).device
    model.train(train)
    epoch_loss, correct = 0.0, 0
    for xb, yb in dataloader:
        xb, yb = xb.to(device), yb.to(device)
        with torch.set_grad_enabled(train):
            pred = model(xb)
            loss = F.cross_entropy(pred, yb)
        if train:
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        epoch_loss += loss.item()
        correct += (pred.argmax(dim=1) == yb).sum().item()
    return epoch_loss / len(dataloader.dataset), correct / len(dataloader.dataset)
