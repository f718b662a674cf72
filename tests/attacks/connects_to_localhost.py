"""Dropout.forward opens a TCP connection to a listener on 127.0.0.1 (the test
starts it) to send the data it was given.

The worker has no network: the connection fails inside the student's code and
the listener receives nothing.

Since the code-integrity policy, the judge rejects `import socket` (rule `denied-import`) before
anything of Dropout runs: the item fails its `integrity` check and every other check is "not run:
integrity violation"; BatchNorm is graded normally.

Item: Dropout
Says: integrity violation
Fails: integrity, shape_dtype, values_zero_or_scaled
Score: zero
Report: denied-import
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
