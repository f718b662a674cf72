"""Calls model.eval() where model.train() belongs (copied from validation).

Caught by: train_mode
"""
import torch


def train(model, trainloader, criterion, optimizer, epoch, num_epochs):
    model.eval()
    for inputs, labels in trainloader:
        optimizer.zero_grad()
        loss = criterion(model(inputs), labels)
        loss.backward()
        optimizer.step()
