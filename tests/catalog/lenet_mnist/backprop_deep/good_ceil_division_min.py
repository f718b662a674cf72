"""NB = -(-N // B) (ceil by integer division), min() for the last slice, labels via long()."""
import numpy as np
import torch
from torch import nn, optim


def backprop_deep(xtrain, ltrain, net, T, B=100, gamma=.001, rho=.9):
    N = xtrain.size()[0]
    NB = -(-N // B)
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(net.parameters(), lr=gamma, momentum=rho)
    for epoch in range(T):
        shuffled_indices = np.random.permutation(range(N))
        for k in range(NB):
            minibatch_indices = shuffled_indices[B * k:min(B * (k + 1), N)]
            inputs = xtrain[minibatch_indices]
            labels = ltrain[minibatch_indices].long()
            optimizer.zero_grad()
            outputs = net(inputs)
            loss = criterion(outputs, labels)
            loss.backward()
            optimizer.step()
