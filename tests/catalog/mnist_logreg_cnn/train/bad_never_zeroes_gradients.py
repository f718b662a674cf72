"""Never zeroes the gradients: they accumulate across batches.

Caught by: training_updates
"""
import torch


def train(model, trainloader, criterion, optimizer, epoch, num_epochs):
    model.train()
    for inputs, labels in trainloader:
        outputs = model(inputs)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()
