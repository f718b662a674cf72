"""Draws each minibatch with np.random.randint: samples repeat within an epoch, others are never seen.

Caught by: epochs_and_minibatches
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
        for k in range(NB):
            minibatch_indices = np.random.randint(0, N, B)
            optimizer.zero_grad()
            loss = criterion(net(xtrain[minibatch_indices]), ltrain[minibatch_indices])
            loss.backward()
            optimizer.step()
