"""Forgets the backward pass: the optimizer steps with no gradients, nothing is learned.

Caught by: sgd_updates, loss_decreases
"""
import numpy as np
import torch
import torch.nn as nn


def backprop_deep(xtrain, ltrain, net, T, B=100, gamma=.001, rho=.9):
    N = xtrain.size()[0]
    NB = N // B
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(net.parameters(), lr=gamma, momentum=rho)
    for epoch in range(T):
        shuffled_indices = np.random.permutation(N)
        for k in range(NB):
            minibatch_indices = shuffled_indices[B * k:B * (k + 1)]
            optimizer.zero_grad()
            outputs = net(xtrain[minibatch_indices])
            loss = criterion(outputs, ltrain[minibatch_indices])
            optimizer.step()
