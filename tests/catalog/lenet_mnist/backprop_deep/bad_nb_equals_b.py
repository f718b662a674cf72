"""NB = B: the number of minibatches set to the minibatch size.

Caught by: epochs_and_minibatches
"""
import numpy as np
import torch
import torch.nn as nn


def backprop_deep(xtrain, ltrain, net, T, B=100, gamma=.001, rho=.9):
    N = xtrain.size()[0]
    NB = B
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(net.parameters(), lr=gamma, momentum=rho)
    for epoch in range(T):
        shuffled_indices = np.random.permutation(N)
        for k in range(NB):
            minibatch_indices = shuffled_indices[B * k:min(B * (k + 1), N)]
            if len(minibatch_indices) == 0:
                break
            optimizer.zero_grad()
            loss = criterion(net(xtrain[minibatch_indices]), ltrain[minibatch_indices])
            loss.backward()
            optimizer.step()
