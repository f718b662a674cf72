# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.16.1
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # PyTorch
#
# In this notebook you will gain some hands-on experience with [PyTorch](https://pytorch.org/), one of the
# major frameworks for deep learning. To install PyTorch run
# `conda install pytorch torchvision cudatoolkit=10.1 -c pytorch`, with `cudatoolkit` set to whichever CUDA
# version you have installed (check with `nvcc --version`). Without an Nvidia GPU run
# `conda install pytorch torchvision cpuonly -c pytorch` instead; in that case we recommend using
# [Google Colab](https://colab.research.google.com/).
#
# You will start by re-implementing some common features of deep neural networks (dropout and batch
# normalization) and then implement a very popular modern architecture for image classification (ResNet)
# and improve its training loop.

# %%
import copy
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
import torchvision.transforms as transforms

# %% [markdown]
# ## 1. Dropout
#
# Dropout is a form of regularization for neural networks. It works by randomly setting activations
# (values) to 0, each one with equal probability `p`. The values are then scaled by a factor
# $\frac{1}{1-p}$ to conserve their mean.
#
# Dropout effectively trains a pseudo-ensemble of models with stochastic gradient descent. During
# evaluation we want to use the full ensemble and therefore have to turn off dropout. Use
# `self.training` to check if the model is in training or evaluation mode.
#
# **Do not use any dropout implementation from PyTorch for this!**

# %%
class MyDropout(nn.Module):
    """Inverted dropout: zero each unit with probability p, rescale the rest by 1/(1-p)."""

    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, input):
        if not self.training or self.p == 0:
            return input
        keep = (torch.rand_like(input) >= self.p).to(input.dtype)
        return input * keep / (1.0 - self.p)


# the tests below use the name from the assignment
Dropout = MyDropout

# %%
# Test dropout
test = torch.ones(10_000)
dropout = Dropout(0.5)
test_dropped = dropout(test)

# These assertions can in principle fail due to bad luck, but
# if implemented correctly they should almost always succeed.
assert np.isclose(test_dropped.sum().item(), 10_000, atol=400)
assert np.isclose((test_dropped > 0).sum().item(), 5_000, atol=200)

# %% [markdown]
# ## 2. Batch normalization
#
# Batch normalization is a trick used to smoothen the loss landscape and improve training. It is defined
# as the function
# $$y = \frac{x - \mu_x}{\sigma_x + \epsilon} \cdot \gamma + \beta$$
# where $\gamma$ and $\beta$ are learnable parameters and $\epsilon$ is some small number to avoid
# dividing by zero. The statistics $\mu_x$ and $\sigma_x$ are taken separately for each feature. In a CNN
# this means averaging over the batch and all pixels.
#
# **Do not use any batch normalization implementation from PyTorch for this!**

# %%
class BatchNorm(nn.Module):
    """
    Batch normalization, as discussed in the lecture and similar to
    https://pytorch.org/docs/stable/nn.html#torch.nn.BatchNorm1d

    Only uses batch statistics (no running mean for evaluation).
    Batch statistics are calculated for a single dimension.
    Gamma is initialized as 1, beta as 0.

    Args:
        num_features: Number of features to calculate batch statistics for.
    """
    def __init__(self, num_features):
        super().__init__()
        # TODO: Initialize the required parameters
        self.num_features = num_features
        self.eps = 1e-5
        self.gamma = nn.Parameter(torch.ones(num_features))
        self.beta = nn.Parameter(torch.zeros(num_features))

    def forward(self, input):
        """
        Batch normalization over the dimension C of (N, C, L).

        Args:
            input: PyTorch tensor, shape [N, C, L]

        Return:
            PyTorch tensor, same shape as input
        """
        # TODO: Implement the required transformation
        mean = input.mean(dim=(0, 2), keepdim=True)
        var = input.var(dim=(0, 2), unbiased=False, keepdim=True)
        x_hat = (input - mean) / torch.sqrt(var + self.eps)
        return x_hat * self.gamma.view(1, -1, 1) + self.beta.view(1, -1, 1)

# %%
# Tests the batch normalization implementation
torch.random.manual_seed(42)
test = torch.randn(8, 2, 4)

b1 = BatchNorm(2)
test_b1 = b1(test)

b2 = nn.BatchNorm1d(2, affine=False, track_running_stats=False)
test_b2 = b2(test)

assert torch.allclose(test_b1, test_b2, rtol=0.02)

# %% [markdown]
# ## 3. ResNet
#
# ResNet is the model that first introduced residual connections (a form of skip connections). It is a
# rather simple, but successful and very popular architecture. In this part of the exercise we will
# re-implement it step by step.
#
# Note that there is also an [improved version of ResNet](https://arxiv.org/abs/1603.05027) with optimized
# residual blocks. Here we will implement the [original version](https://arxiv.org/abs/1512.03385) for
# CIFAR-10. Your dropout and batchnorm implementations won't help you here. Just use PyTorch's own layers.

# %% [markdown]
# This is just a convenience function to make e.g. `nn.Sequential` more flexible. It is e.g. useful in
# combination with `x.squeeze()`.

# %%
class Lambda(nn.Module):
    def __init__(self, func):
        super().__init__()
        self.func = func

    def forward(self, x):
        return self.func(x)

# %% [markdown]
# We begin by implementing the residual blocks. The block is illustrated by this sketch: the input goes
# through a 3x3 convolution, batch normalization and ReLU, then a second 3x3 convolution and batch
# normalization; the skip connection is added to the result, followed by a final ReLU.
#
# Note that we use 'SAME' padding, no bias, and batch normalization after each convolution. You do not
# need `nn.Sequential` here. The skip connection is already implemented as `self.skip`. It can handle
# different strides and increases in the number of channels.

# %%
class ResidualBlock(nn.Module):
    """
    The residual block used by ResNet.

    Args:
        in_channels: The number of channels (feature maps) of the incoming embedding
        out_channels: The number of channels after the first convolution
        stride: Stride size of the first convolution, used for downsampling
    """

    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__()
        if stride > 1 or in_channels != out_channels:
            # Add strides in the skip connection and zeros for the new channels.
            self.skip = Lambda(lambda x: F.pad(x[:, :, ::stride, ::stride],
                                               (0, 0, 0, 0, 0, out_channels - in_channels),
                                               mode="constant", value=0))
        else:
            self.skip = nn.Sequential()

        # TODO: Initialize the required layers
        self.conv1 = nn.Conv2d(in_channels, out_channels, kernel_size=3, stride=stride,
                               padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(out_channels, out_channels, kernel_size=3, stride=1,
                               padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)

    def forward(self, input):
        # TODO: Execute the required layers and functions
        out = self.relu(self.bn1(self.conv1(input)))
        out = self.bn2(self.conv2(out))
        out = out + self.skip(input)
        return self.relu(out)

# %% [markdown]
# Next we implement a stack of residual blocks for convenience. The first layer in the block is the one
# changing the number of channels and downsampling. You can use `nn.ModuleList` to use a list of child
# modules.

# %%
class ResidualStack(nn.Module):
    """
    A stack of residual blocks.

    Args:
        in_channels: The number of channels (feature maps) of the incoming embedding
        out_channels: The number of channels after the first layer
        stride: Stride size of the first layer, used for downsampling
        num_blocks: Number of residual blocks
    """

    def __init__(self, in_channels, out_channels, stride, num_blocks):
        super().__init__()
        # TODO: Initialize the required layers (blocks)
        blocks = [ResidualBlock(in_channels, out_channels, stride)]
        for _ in range(num_blocks - 1):
            blocks.append(ResidualBlock(out_channels, out_channels, 1))
        self.blocks = nn.ModuleList(blocks)

    def forward(self, input):
        # TODO: Execute the layers (blocks)
        x = input
        for block in self.blocks:
            x = block(x)
        return x

# %% [markdown]
# Now we are finally ready to implement the full model! To do this, use the `nn.Sequential` API and
# carefully read the following paragraph from the paper (Fig. 3 is not important):
#
# > The first layer is 3×3 convolutions. Then we use a stack of 6n layers with 3×3 convolutions on the
# > feature maps of sizes {32, 16, 8} respectively, with 2n layers for each feature map size. The numbers
# > of filters are {16, 32, 64} respectively. The subsampling is performed by convolutions with a stride
# > of 2. The network ends with a global average pooling, a 10-way fully-connected layer, and softmax.
# > There are totally 6n+2 stacked weighted layers.
#
# Note that a convolution layer is always convolution + batch norm + activation (ReLU), that each
# ResidualBlock contains 2 layers, and that you might have to squeeze the embedding before the dense
# (fully-connected) layer.

# %%
n = 5
num_classes = 10

# TODO: Implement ResNet via nn.Sequential
resnet = nn.Sequential(
    nn.Conv2d(3, 16, kernel_size=3, stride=1, padding=1, bias=False),
    nn.BatchNorm2d(16),
    nn.ReLU(inplace=True),
    ResidualStack(16, 16, stride=1, num_blocks=n),
    ResidualStack(16, 32, stride=2, num_blocks=n),
    ResidualStack(32, 64, stride=2, num_blocks=n),
    nn.AdaptiveAvgPool2d(1),
    Lambda(lambda x: x.squeeze(3).squeeze(2)),
    nn.Linear(64, num_classes),
)

# %% [markdown]
# Next we need to initialize the weights of our model.

# %%
def initialize_weight(module):
    if isinstance(module, (nn.Linear, nn.Conv2d)):
        nn.init.kaiming_normal_(module.weight, nonlinearity='relu')
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.constant_(module.weight, 1)
        nn.init.constant_(module.bias, 0)

resnet.apply(initialize_weight);

# %% [markdown]
# ## 4. Training
#
# So now we have a shiny new model, but that doesn't really help when we can't train it. So that's what we
# do next.
#
# First we need to load the data. Note that we split the official training data into train and validation
# sets, because you must not look at the test set until you are completely done developing your model and
# report the final results. Some people don't do this properly, but you should not copy other people's bad
# habits.

# %%
class CIFAR10Subset(torchvision.datasets.CIFAR10):
    """
    Get a subset of the CIFAR10 dataset, according to the passed indices.
    """
    def __init__(self, *args, idx=None, **kwargs):
        super().__init__(*args, **kwargs)

        if idx is None:
            return

        self.data = self.data[idx]
        targets_np = np.array(self.targets)
        self.targets = targets_np[idx].tolist()

# %% [markdown]
# We next define transformations that change the images into PyTorch tensors, standardize the values
# according to the precomputed mean and standard deviation, and provide data augmentation for the
# training set.

# %%
# Per-channel mean and standard deviation of the CIFAR-10 training images
data_mean = [0.49139968, 0.48215841, 0.44653091]
data_std = [0.24703223, 0.24348513, 0.26158784]

transform_train = transforms.Compose([
    transforms.RandomCrop(32, padding=4),
    transforms.RandomHorizontalFlip(),
    transforms.ToTensor(),
    transforms.Normalize(data_mean, data_std),
])
transform_eval = transforms.Compose([
    transforms.ToTensor(),
    transforms.Normalize(data_mean, data_std),
])

# 45,000 training and 5,000 validation images from the official training set
train_idx = np.arange(45_000)
val_idx = np.arange(45_000, 50_000)

datasets = {
    'train': CIFAR10Subset(root='./data', train=True, idx=train_idx,
                           transform=transform_train, download=True),
    'val': CIFAR10Subset(root='./data', train=True, idx=val_idx,
                         transform=transform_eval, download=True),
    'test': CIFAR10Subset(root='./data', train=False,
                          transform=transform_eval, download=True),
}

dataloaders = {
    'train': torch.utils.data.DataLoader(datasets['train'], batch_size=128,
                                         shuffle=True, num_workers=2, pin_memory=True),
    'val': torch.utils.data.DataLoader(datasets['val'], batch_size=512,
                                       shuffle=False, num_workers=2, pin_memory=True),
    'test': torch.utils.data.DataLoader(datasets['test'], batch_size=512,
                                        shuffle=False, num_workers=2, pin_memory=True),
}

# %% [markdown]
# Next we push the model to our GPU (if there is one).

# %%
device = torch.device('cuda') if torch.cuda.is_available() else torch.device('cpu')
resnet.to(device);

# %% [markdown]
# Next we define a helper method that does one epoch of training or evaluation. We have only defined
# training here, so you need to implement the necessary changes for evaluation!

# %%
def run_epoch(model, optimizer, dataloader, train):
    """
    Run one epoch of training or evaluation.

    Args:
        model: The model used for prediction
        optimizer: Optimization algorithm for the model
        dataloader: Dataloader providing the data to run our model on
        train: Whether this epoch is used for training or evaluation

    Returns:
        Loss and accuracy in this epoch.
    """

    # TODO: Change the necessary parts to work correctly during evaluation (train=False)

    device = next(model.parameters()).device

    # Set model to training mode (for e.g. batch normalization, dropout)
    model.train()

    epoch_loss = 0.0
    epoch_acc = 0.0

    for xb, yb in dataloader:
        xb, yb = xb.to(device), yb.to(device)
        if train:
            optimizer.zero_grad()
            pred = model(xb)
            loss = F.cross_entropy(pred, yb)
            loss.backward()
            optimizer.step()
        else:
            with torch.no_grad():
                pred = model(xb)
                loss = F.cross_entropy(pred, yb)

        # statistics
        top1 = torch.argmax(pred, dim=1)
        epoch_loss += loss.item()
        epoch_acc += torch.sum(top1 == yb).item()

    epoch_loss /= len(dataloader.dataset)
    epoch_acc /= len(dataloader.dataset)
    return epoch_loss, epoch_acc

# %% [markdown]
# Next we implement a method for fitting (training) our model. For many models early stopping can save a
# lot of training time. Your task is to add early stopping to the loop (based on validation accuracy).
# Early stopping usually means exiting the training loop if the validation accuracy hasn't improved for
# `patience` number of steps. Don't forget to save the best model parameters according to validation
# accuracy. You will need `copy.deepcopy` and the `state_dict` for this.

# %%
def fit(model, optimizer, lr_scheduler, dataloaders, max_epochs, patience):
    """
    Fit the given model on the dataset.

    Args:
        model: The model used for prediction
        optimizer: Optimization algorithm for the model
        lr_scheduler: Learning rate scheduler that improves training
                      in late epochs with learning rate decay
        dataloaders: Dataloaders for training and validation
        max_epochs: Maximum number of epochs for training
        patience: Number of epochs to wait with early stopping the
                  training if validation loss has decreased

    Returns:
        Loss and accuracy in this epoch.
    """

    best_acc = 0
    curr_patience = 0

    for epoch in range(max_epochs):
        train_loss, train_acc = run_epoch(model, optimizer, dataloaders['train'], train=True)
        lr_scheduler.step()
        print(f"Epoch {epoch + 1: >3}/{max_epochs}, train loss: {train_loss:.2e}, accuracy: {train_acc * 100:.2f}%")

        val_loss, val_acc = run_epoch(model, None, dataloaders['val'], train=False)
        print(f"Epoch {epoch + 1: >3}/{max_epochs}, val loss: {val_loss:.2e}, accuracy: {val_acc * 100:.2f}%")

        # TODO: Add early stopping and save the best weights (in best_model_weights)
        if val_acc > best_acc:
            best_acc = val_acc
            best_model_weights = model.state_dict()
            curr_patience = 0
        else:
            curr_patience += 1
            if curr_patience > patience:
                break

    model.load_state_dict(best_model_weights)

# %% [markdown]
# In most cases you should just use the Adam optimizer for training, because it works well out of the box.
# However, a well-tuned SGD (with momentum) will in most cases outperform Adam. And since the original
# paper gives us a well-tuned SGD we will just use that.

# %%
fit(resnet, optimizer, lr_scheduler, dataloaders, max_epochs=200, patience=50)

# %% [markdown]
# Once the model is trained we run it on the test set to obtain our final accuracy. Note that we can only
# look at the test set once, everything else would lead to overfitting. So you _must_ ignore the test set
# while developing your model!

# %%
test_loss, test_acc = run_epoch(resnet, None, dataloaders['test'], train=False)
print(f"Test loss: {test_loss:.1e}, accuracy: {test_acc * 100:.2f}%")

# %% [markdown]
# That's almost what was reported in the paper (92.49%) and we didn't even train on the full training set.
#
# ## Optional task: Squeeze out all the juice!
#
# Can you do even better? Have a look at
# [A Recipe for Training Neural Networks](https://karpathy.github.io/2019/04/25/recipe/) and at the
# [EfficientNet blog post](https://ai.googleblog.com/2019/05/efficientnet-improving-accuracy-and.html) we
# discussed in the lecture. Play around with the possibilities PyTorch offers you and see how close you can
# get to the [state of the art on CIFAR-10](https://paperswithcode.com/sota/image-classification-on-cifar-10).
#
# Hint: You can use [Google Colab](https://colab.research.google.com/) to access some free GPUs for your
# experiments.
