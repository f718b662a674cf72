"""Reference solution of the LeNet/MNIST assignment (seed 004).

Written to be read: each definition follows the assignment text and completes its given code.
The checks use these to compute expected values in the judge process.
"""

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class LeNet(nn.Module):
    """LeNet for 28×28 inputs: 28 -conv5-> 24 -pool-> 12 -conv5-> 8 -pool-> 4, so fc1 has 16·4·4 = 256
    inputs; 44,426 parameters."""

    def __init__(self):
        super(LeNet, self).__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 4 * 4, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
        x = F.max_pool2d(F.relu(self.conv2(x)), (2, 2))
        x = x.view(-1, self.num_flat_features(x))
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x

    def num_flat_features(self, x):
        size = x.size()[1:]
        return int(np.prod(size))


def backprop_deep(xtrain, ltrain, net, T, B=100, gamma=.001, rho=.9):
    """T epochs of mini-batch SGD with momentum on a fresh random permutation of the samples each epoch."""
    N = xtrain.size()[0]  # Training set size
    NB = N // B  # Number of minibatches
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(net.parameters(), lr=gamma, momentum=rho)
    for epoch in range(T):
        running_loss = 0.0
        shuffled_indices = np.random.permutation(N)
        for k in range(NB):
            minibatch_indices = shuffled_indices[B * k:min(B * (k + 1), N)]
            inputs = xtrain[minibatch_indices]
            labels = ltrain[minibatch_indices]
            optimizer.zero_grad()
            outputs = net(inputs)
            loss = criterion(outputs, labels)
            loss.backward()
            optimizer.step()
            with torch.no_grad():
                running_loss += loss.item()
            if k % 100 == 99:
                print('[%d, %5d] loss: %.3f' % (epoch + 1, k + 1, running_loss / 100))
                running_loss = 0.0
