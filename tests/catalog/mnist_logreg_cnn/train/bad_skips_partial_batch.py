"""Skips the last batch when it is smaller than the others.

Caught by: every_batch_once
"""
import torch


def train(model, trainloader, criterion, optimizer, epoch, num_epochs):
    model.train()
    for inputs, labels in trainloader:
        if inputs.size(0) != trainloader.batch_size:
            continue
        optimizer.zero_grad()
        loss = criterion(model(inputs), labels)
        loss.backward()
        optimizer.step()
