"""Shuffles the inputs but takes the labels in order: they no longer belong to their images.

Caught by: labels_paired
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
            inputs = xtrain[minibatch_indices]
            labels = ltrain[B * k:B * (k + 1)]
            optimizer.zero_grad()
            loss = criterion(net(inputs), labels)
            loss.backward()
            optimizer.step()
