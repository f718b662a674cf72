"""Never zeroes the gradients: they accumulate across minibatches.

Caught by: sgd_updates
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
            loss = criterion(net(xtrain[minibatch_indices]), ltrain[minibatch_indices])
            loss.backward()
            optimizer.step()
