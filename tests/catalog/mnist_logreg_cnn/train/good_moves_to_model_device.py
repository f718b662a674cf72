"""Moves every batch to the model's device first, and uses model.train(True)."""
import torch


def train(model, trainloader, criterion, optimizer, epoch, num_epochs):
    device = next(model.parameters()).device
    model.train(True)
    for step, (images, targets) in enumerate(trainloader):
        images, targets = images.to(device), targets.to(device)
        optimizer.zero_grad(set_to_none=True)
        logits = model(images)
        loss = criterion(logits, targets)
        loss.backward()
        optimizer.step()
