"""The seed student's fit (seed 002): strict `best_acc < val_acc`, deepcopy of the state_dict,
`curr_patience >= patience or epoch == max_epochs` (the second test is dead code inside
range(max_epochs), not a bug), prints the saved weights, returns nothing.
"""
import copy
import torch
import torch.nn as nn
import torch.nn.functional as F


def fit(model, optimizer, lr_scheduler, dataloaders, max_epochs, patience):
    """
    Fit the given model on the dataset.

    Args:
        model: The model used for prediction
        optimizer: Optimization algorithm for the model
        lr_scheduler: Learning rate scheduler that improves training
                      in late epochs with learning rate decay
        dataloaders: Dataloaders for training and validation
        max_epochs: Maximum number of epochs for training
        patience: Number of epochs to wait with early stopping the
                  training if validation loss has decreased

    Returns:
        Loss and accuracy in this epoch.
    """
    best_acc = 0
    curr_patience = 0

    for epoch in range(max_epochs):
        train_loss, train_acc = run_epoch(model, optimizer, dataloaders['train'], train=True)
        lr_scheduler.step()
        print(f"Epoch {epoch + 1: >3}/{max_epochs}, train loss: {train_loss:.2e}, accuracy: {train_acc * 100:.2f}%")

        val_loss, val_acc = run_epoch(model, None, dataloaders['val'], train=False)
        print(f"Epoch {epoch + 1: >3}/{max_epochs}, val loss: {val_loss:.2e}, accuracy: {val_acc * 100:.2f}%")

        # TODO: Add early stopping and save the best weights (in best_model_weights)
        if best_acc < val_acc:
            best_model_weights = copy.deepcopy(model.state_dict())
            best_acc = val_acc
            curr_patience = 0
        else:
            curr_patience += 1

        if(curr_patience >= patience or epoch == max_epochs):
            break

    print(best_model_weights)
    model.load_state_dict(best_model_weights)
