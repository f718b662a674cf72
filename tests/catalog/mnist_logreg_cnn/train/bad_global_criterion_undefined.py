"""Names its third parameter `loss_fn`, never uses it, and calls a global `criterion` that the notebook
never defines at top level (it is created inside another function): a NameError at call time, graded
as the student's error with a hint.

Caught by: uses_criterion_argument
"""
import torch
import torch.nn as nn


def train(model, trainloader, loss_fn, optimizer, epoch, num_epochs):
    model.train()
    for i, (images, labels) in enumerate(trainloader):
        outputs = model(images)
        loss = criterion(outputs, labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if (i + 1) % 100 == 0:
            print(f"Epoch [{epoch + 1}/{num_epochs}], Step [{i + 1}/{len(trainloader)}], Loss: {loss.item():.4f}")
