"""Computes the loss with F.cross_entropy instead of the criterion it is given.

Caught by: uses_criterion_argument
"""
import torch
import torch.nn.functional as F


def train(model, trainloader, criterion, optimizer, epoch, num_epochs):
    model.train()
    for inputs, labels in trainloader:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(inputs), labels)
        loss.backward()
        optimizer.step()
