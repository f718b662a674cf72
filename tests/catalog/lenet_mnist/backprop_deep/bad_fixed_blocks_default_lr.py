"""Walks fixed blocks of B samples in a random order (accepted with a warning) and hard-codes lr=0.001.

Caught by: sgd_updates, fresh_minibatches
"""
import numpy as np
import torch
import torch.nn as nn


def backprop_deep(xtrain, ltrain, net, T, B=100, gamma=.001, rho=.9):
    N = xtrain.size()[0]
    NB = N // B
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(net.parameters(), lr=0.001, momentum=rho)
    for epoch in range(T):
        for k in np.random.permutation(NB):
            optimizer.zero_grad()
            loss = criterion(net(xtrain[k * B:(k + 1) * B]), ltrain[k * B:(k + 1) * B])
            loss.backward()
            optimizer.step()
