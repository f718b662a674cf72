"""The given signature's defaults changed to B=64 and rho=.5 (the notebook's own call
backprop_deep(xtrain, ltrain, net, T=3) relies on them); every check passes all arguments explicitly.

Caught by: keeps_defaults
"""
import numpy as np
import torch
import torch.nn as nn


def backprop_deep(xtrain, ltrain, net, T, B=64, gamma=.001, rho=.5):
    N = xtrain.size()[0]  # Training set size
    NB = N // B  # Number of minibatches
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(net.parameters(), lr=gamma, momentum=rho)
    for epoch in range(T):
        running_loss = 0.0
        shuffled_indices = np.random.permutation(N)
        for k in range(NB):
            # Extract k-th minibatch from xtrain and ltrain
            minibatch_indices = shuffled_indices[B * k:min(B * (k + 1), N)]
            inputs = xtrain[minibatch_indices]
            labels = ltrain[minibatch_indices]
            # Initialize the gradients to zero
            optimizer.zero_grad()
            # Forward propagation
            outputs = net(inputs)
            # Error evaluation
            loss = criterion(outputs, labels)
            # Back propagation
            loss.backward()
            # Parameter update
            optimizer.step()
            # Print averaged loss per minibatch every 100 mini-batches
            with torch.no_grad():
                running_loss += loss.item()
            if k % 100 == 99:
                print('[%d, %5d] loss: %.3f' % (epoch + 1, k + 1, running_loss / 100))
                running_loss = 0.0
