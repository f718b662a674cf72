"""The seed student's answer (seed 002): modes and optimizer calls are switched by the flag, but the
forward pass stays under torch.set_grad_enabled(True), so evaluation builds autograd graphs for nothing.

Caught by: no_grad_in_evaluation
"""
import copy
import torch
import torch.nn as nn
import torch.nn.functional as F


def run_epoch(model, optimizer, dataloader, train):
    """
    Run one epoch of training or evaluation.

    Args:
        model: The model used for prediction
        optimizer: Optimization algorithm for the model
        dataloader: Dataloader providing the data to run our model on
        train: Whether this epoch is used for training or evaluation

    Returns:
        Loss and accuracy in this epoch.
    """
    # TODO: Change the necessary parts to work correctly during evaluation (train=False)
    model.zero_grad()
    device = next(model.parameters()).device

    # Set model to training mode (for e.g. batch normalization, dropout)

    epoch_loss = 0.0
    epoch_acc = 0.0
    model.train() if train == True else model.eval()

    for xb, yb in dataloader:
        xb, yb = xb.to(device), yb.to(device)
        if train == True:
            # zero the parameter gradients
            optimizer.zero_grad()

        # forward
        with torch.set_grad_enabled(True):
            pred = model(xb)
            loss = F.cross_entropy(pred, yb)
            top1 = torch.argmax(pred, dim=1)
            ncorrect = torch.sum(top1 == yb)
            if train == True:
                loss.backward()
                optimizer.step()

        # statistics
        epoch_loss += loss.item()
        epoch_acc += ncorrect.item()

    epoch_loss /= len(dataloader.dataset)
    epoch_acc /= len(dataloader.dataset)
    return epoch_loss, epoch_acc
