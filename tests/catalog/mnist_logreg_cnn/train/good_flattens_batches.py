"""Flattens each image batch before the model (for a multilayer perceptron), under set_grad_enabled."""
import torch


def train(model, trainloader, criterion, optimizer, epoch, num_epochs):
    model.train()
    with torch.set_grad_enabled(True):
        for inputs, labels in trainloader:
            inputs = inputs.view(inputs.size(0), -1)
            optimizer.zero_grad()
            loss = criterion(model(inputs), labels)
            loss.backward()
            optimizer.step()
