"""Calls a global `net` that the notebook never defines at top level (it is built inside another
function): a NameError, graded as the student's error with a hint.

Caught by: uses_model_argument
"""
import torch


def train(model, trainloader, criterion, optimizer, epoch, num_epochs):
    model.train()
    for inputs, labels in trainloader:
        optimizer.zero_grad()
        loss = criterion(net(inputs), labels)
        loss.backward()
        optimizer.step()
