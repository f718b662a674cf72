"""Zeroes the gradients between backward() and step(): every step uses zero gradients.

Caught by: training_updates
"""
import torch


def train(model, trainloader, criterion, optimizer, epoch, num_epochs):
    model.train()
    for inputs, labels in trainloader:
        outputs = model(inputs)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.zero_grad()
        optimizer.step()
