"""Uses the notebook's global `device`, but moves the model there first, so model and batches always
agree (unusual, since it moves the caller's model, but correct).
"""
import torch
import torch.nn.functional as F

device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')


def run_epoch(model, optimizer, dataloader, train):
    model = model.to(device)
    model.train() if train else model.eval()
    total_loss, correct = 0.0, 0
    for xb, yb in dataloader:
        xb, yb = xb.to(device), yb.to(device)
        with torch.set_grad_enabled(train):
            pred = model(xb)
            loss = F.cross_entropy(pred, yb)
        if train:
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        total_loss += loss.item()
        correct += (pred.argmax(1) == yb).sum().item()
    return total_loss / len(dataloader.dataset), correct / len(dataloader.dataset)
