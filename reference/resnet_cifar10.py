"""Reference solution of the ResNet/CIFAR-10 assignment (seed 002).

Written to be read: each class follows the assignment text.  The checks use
these to compute expected values in the judge process.
"""

import copy

import torch
import torch.nn as nn
import torch.nn.functional as F


class Dropout(nn.Module):
    """Zero each element with probability p, scale the survivors by 1/(1-p); identity in eval."""

    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, input):
        if not self.training or self.p == 0:
            return input
        keep = torch.rand_like(input) >= self.p
        return input * keep / (1 - self.p)


class BatchNorm(nn.Module):
    """Batch normalisation over dimension C of (N, C, L), batch statistics only.

    ``unbiased`` and ``eps_inside`` select among the variants the assignment accepts:
    y = (x - mean) / sqrt(var + eps) (torch's choice, the default) or
    y = (x - mean) / (std + eps) (the text's formula), with a biased or unbiased variance.
    """

    def __init__(self, num_features, eps=1e-5, unbiased=False, eps_inside=True):
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(num_features))
        self.beta = nn.Parameter(torch.zeros(num_features))
        self.eps = eps
        self.unbiased = unbiased
        self.eps_inside = eps_inside

    def forward(self, input):
        mean = input.mean(dim=(0, 2), keepdim=True)
        var = input.var(dim=(0, 2), unbiased=self.unbiased, keepdim=True)
        scale = torch.sqrt(var + self.eps) if self.eps_inside else torch.sqrt(var) + self.eps
        normalised = (input - mean) / scale
        return normalised * self.gamma[None, :, None] + self.beta[None, :, None]


class Lambda(nn.Module):
    """The course's given helper: wraps a function as a module (for nn.Sequential)."""

    def __init__(self, func):
        super().__init__()
        self.func = func

    def forward(self, x):
        return self.func(x)


class ResidualBlock(nn.Module):
    """conv3x3 → BN → ReLU → conv3x3 → BN, plus the given skip, then ReLU."""

    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__()
        if stride > 1 or in_channels != out_channels:
            # The course's skip: subsample, and pad the new channels with zeros.
            extra = out_channels - in_channels
            self.skip = Lambda(lambda x: F.pad(x[:, :, ::stride, ::stride],
                                               (0, 0, 0, 0, 0, extra), mode="constant", value=0))
        else:
            self.skip = nn.Sequential()
        self.conv1 = nn.Conv2d(in_channels, out_channels, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)

    def forward(self, input):
        out = F.relu(self.bn1(self.conv1(input)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.skip(input))


class ResidualStack(nn.Module):
    """``num_blocks`` blocks; only the first changes the channels and strides."""

    def __init__(self, in_channels, out_channels, stride, num_blocks):
        super().__init__()
        self.blocks = nn.ModuleList(
            [ResidualBlock(in_channels, out_channels, stride)]
            + [ResidualBlock(out_channels, out_channels) for _ in range(num_blocks - 1)])

    def forward(self, input):
        for block in self.blocks:
            input = block(input)
        return input


def build_resnet(n=5, num_classes=10):
    """The CIFAR-10 ResNet of He et al. (6n + 2 layers; n = 5 is ResNet-32, 464,154 parameters)."""
    return nn.Sequential(
        nn.Conv2d(3, 16, kernel_size=3, padding=1, bias=False),
        nn.BatchNorm2d(16),
        nn.ReLU(),
        ResidualStack(16, 16, stride=1, num_blocks=n),
        ResidualStack(16, 32, stride=2, num_blocks=n),
        ResidualStack(32, 64, stride=2, num_blocks=n),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(64, num_classes),
    )


def run_epoch(model, optimizer, dataloader, train):
    """One epoch of training or evaluation; returns (loss, accuracy).

    The loss is the template's convention: the sum of the batch-mean losses over the
    dataset size.  Accuracy is the fraction of correctly classified samples.
    """
    device = next(model.parameters()).device
    model.train(train)
    epoch_loss = 0.0
    correct = 0
    with torch.set_grad_enabled(train):
        for xb, yb in dataloader:
            xb, yb = xb.to(device), yb.to(device)
            if train:
                optimizer.zero_grad()
            pred = model(xb)
            loss = F.cross_entropy(pred, yb)
            if train:
                loss.backward()
                optimizer.step()
            epoch_loss += loss.item()
            correct += (pred.argmax(dim=1) == yb).sum().item()
    size = len(dataloader.dataset)
    return epoch_loss / size, correct / size


def fit(model, optimizer, lr_scheduler, dataloaders, max_epochs, patience):
    """Train with early stopping on validation accuracy; restore the best weights.

    Stops right after the epoch that completes ``patience`` epochs without improvement.
    """
    best_acc = 0.0
    best_weights = copy.deepcopy(model.state_dict())
    epochs_without_improvement = 0
    for _ in range(max_epochs):
        run_epoch(model, optimizer, dataloaders["train"], train=True)
        lr_scheduler.step()
        _, val_acc = run_epoch(model, None, dataloaders["val"], train=False)
        if val_acc > best_acc:
            best_acc = val_acc
            best_weights = copy.deepcopy(model.state_dict())
            epochs_without_improvement = 0
        else:
            epochs_without_improvement += 1
            if epochs_without_improvement >= patience:
                break
    model.load_state_dict(best_weights)


#: The graded model, as the notebook defines it (a module-level ``nn.Sequential``).
resnet = build_resnet()
