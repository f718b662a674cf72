"""Shuffles the order of fixed blocks of B samples: accepted with a warning (GRADING-DECISIONS.md).

Warns: fresh_minibatches
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
        for k in np.random.permutation(NB):
            inputs = xtrain[k * B:(k + 1) * B]
            labels = ltrain[k * B:(k + 1) * B]
            optimizer.zero_grad()
            loss = criterion(net(inputs), labels)
            loss.backward()
            optimizer.step()
