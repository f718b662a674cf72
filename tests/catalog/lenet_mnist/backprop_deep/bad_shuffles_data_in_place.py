"""Permutes xtrain and ltrain in place every epoch: the caller's data comes back reordered.

Caught by: inputs_unchanged
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
        perm = torch.randperm(N)
        xtrain[:] = xtrain[perm]
        ltrain[:] = ltrain[perm]
        for k in range(NB):
            optimizer.zero_grad()
            loss = criterion(net(xtrain[k * B:(k + 1) * B]), ltrain[k * B:(k + 1) * B])
            loss.backward()
            optimizer.step()
