"""NB = ceil(N / B) (the last minibatch takes the rest), torch.randperm, plain slicing."""
import numpy as np
import torch
import torch.nn as nn


def backprop_deep(xtrain, ltrain, net, T, B=100, gamma=.001, rho=.9):
    N = xtrain.size()[0]
    NB = int(np.ceil(N / B))
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(net.parameters(), lr=gamma, momentum=rho)
    for epoch in range(T):
        running_loss = 0.0
        shuffled_indices = torch.randperm(N)
        for k in range(NB):
            minibatch_indices = shuffled_indices[k * B:(k + 1) * B]
            inputs = xtrain[minibatch_indices]
            labels = ltrain[minibatch_indices]
            optimizer.zero_grad()
            outputs = net(inputs)
            loss = criterion(outputs, labels)
            loss.backward()
            optimizer.step()
            running_loss += loss.item()
            if k % 100 == 99:
                print('[%d, %5d] loss: %.3f' % (epoch + 1, k + 1, running_loss / 100))
                running_loss = 0.0
