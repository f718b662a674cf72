"""Zeroes the model's gradients after each step (they are still zero before every backward)."""
import torch


def train(model, trainloader, criterion, optimizer, epoch, num_epochs):
    model.train()
    for inputs, labels in trainloader:
        loss = criterion(model(inputs), labels)
        loss.backward()
        optimizer.step()
        model.zero_grad()
