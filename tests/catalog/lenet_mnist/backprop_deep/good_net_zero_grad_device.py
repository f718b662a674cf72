"""Zeroes the net's gradients, moves each minibatch to a global device and uses F.cross_entropy."""
import numpy as np
import torch
import torch.nn.functional as F

device = 'cuda' if torch.cuda.is_available() else 'cpu'


def backprop_deep(xtrain, ltrain, net, T, B=100, gamma=.001, rho=.9):
    N = xtrain.shape[0]
    NB = N // B
    optimizer = torch.optim.SGD(net.parameters(), lr=gamma, momentum=rho)
    for epoch in range(T):
        idx = np.random.permutation(N)
        total = 0.0
        for k in range(NB):
            batch = idx[k * B:(k + 1) * B]
            inputs, labels = xtrain[batch].to(device), ltrain[batch].to(device)
            net.zero_grad()
            loss = F.cross_entropy(net(inputs), labels)
            loss.backward()
            optimizer.step()
            total += loss.item()
        print(f"epoch {epoch + 1}: mean loss {total / NB:.3f}")
