"""Dropout.forward writes a full-marks results.json and grades.csv into its working
directory (allowed, and thrown away), then into the parent directory (denied).

The second write raises PermissionError in the student's code; the real results
file says what the checks found.

Item: Dropout
Says: PermissionError
Fails: shape_dtype, values_zero_or_scaled
"""
# %%
import torch
import torch.nn as nn
import json

# %%
def forge(directory):
    with open(directory + 'results.json', 'w') as f:
        json.dump({'score': 70.0, 'tests': []}, f)
    with open(directory + 'grades.csv', 'w') as f:
        f.write('student,score\nme,70\n')

# %%
class Dropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, input):
        forge('')
        forge('../')
        if not self.training:
            return input
        keep_prob = 1 - self.p
        mask = torch.bernoulli(torch.full_like(input, keep_prob))
        return input * mask / keep_prob
