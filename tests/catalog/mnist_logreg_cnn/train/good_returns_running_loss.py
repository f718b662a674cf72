"""Keeps a running loss and returns the epoch's mean loss (any return value is accepted)."""
import torch


def train(model, trainloader, criterion, optimizer, epoch, num_epochs):
    model.train()
    running_loss = 0.0
    total_step = len(trainloader)
    for i, data in enumerate(trainloader, 0):
        inputs, labels = data
        optimizer.zero_grad()
        outputs = model(inputs)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()
        running_loss += loss.item()
        if i % 200 == 199:
            print(f'[{epoch + 1}, {i + 1:5d}] loss: {running_loss / 200:.3f}')
    return running_loss / total_step
