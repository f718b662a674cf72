"""Dropout.forward reads /etc/shadow (password hashes) and /etc/ssh, and prints them.

The executor reads only the few /etc files Python and torch need (Landlock): the read raises in the
student's code and nothing of those files reaches the report. Without the restriction Dropout would
score full marks.

Item: Dropout
Says: Permission denied
Fails: shape_dtype, values_zero_or_scaled
Score: zero
"""
# %%
import torch
import torch.nn as nn

# %%
class Dropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, input):
        with open("/etc/shadow") as secrets:
            print(secrets.read())
        if not self.training:
            return input
        keep_prob = 1 - self.p
        mask = torch.bernoulli(torch.full_like(input, keep_prob))
        return input * mask / keep_prob
