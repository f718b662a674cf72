"""Never calls model.train(): after the first validation() the model stays in eval mode for good.

Caught by: train_mode
"""
import torch


def train(model, trainloader, criterion, optimizer, epoch, num_epochs):
    for inputs, labels in trainloader:
        optimizer.zero_grad()
        loss = criterion(model(inputs), labels)
        loss.backward()
        optimizer.step()
