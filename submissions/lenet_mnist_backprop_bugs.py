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

# %%
# %matplotlib inline
import matplotlib.pyplot as plt

# %% [markdown]
# # Assignment 2: CNNs and PyTorch
#
# As for Assignment 1, we focus on classification on the MNIST dataset, but using deep Convolutional Neural
# Networks (CNNs) and PyTorch instead of shallow networks implemented by hand.
#
# CNNs are composed of *convolutional* layers (each output feature map is a filter bank applied to the input
# maps in sliding $K \times K$ windows, followed by an activation such as ReLU), *maxpooling* operations (the
# maximum over non-overlapping $L \times L$ windows, no parameters) and *fully connected* layers. PyTorch is
# a Python package for scientific computing on GPUs and a deep learning platform.
#
# Write your code and answers directly in this notebook, with headings, markdown and code cells following the
# numbering of the questions.

# %%
import numpy as np
import torch

# %% [markdown]
# ## Tensors, NumPy and autograd (questions 1-20)
#
# Answer questions 1-20 of the assignment text in cells of your own: construct tensors (`torch.Tensor(5, 3)`,
# `torch.rand`, `torch.randn`) and report their initialisation and type (`.double()`); create tensors with
# prescribed values, stack them (`torch.stack`, `torch.cat`) and index them; compare the syntaxes of addition
# (`x + y`, `torch.add`, `x.add`, `out=`) and reshape with `view` (what does `-1` mean?); use `torch.mm`;
# convert between NumPy arrays and tensors (`.numpy()`, `torch.from_numpy`: do they share memory? compare
# `a.add_(1)`, `a[:] += 1` and `a = a.add(1)`); move tensors to the GPU (`.to(device)`, `device=`) and back;
# and use autograd: `requires_grad`, `backward()` and `.grad` on $f = \frac{1}{4}\sum_i 3 (x_i + 2)^2$, whose
# gradient you derive by hand.

# %%
x = torch.Tensor(5, 3)
print(x)
y = torch.rand(5, 3)
print(y)

# %%
device = 'cuda' if torch.cuda.is_available() else 'cpu'
print(device)
x = torch.randn(5, 3).to(device)
y = torch.randn(5, 3, device=device)
z = x + y

# %%
x = torch.ones(2, 2, requires_grad=True)
y = x + 2
z = y * y * 3
f = z.mean()
f.backward() # That's it!
print(x.grad)

# %% [markdown]
# ## 7. MNIST data preparation
#
# **21.** Reuse the code from Assignment 1 to load and normalize MNIST testing and training data.

# %%
import MNISTtools
xtrain, ltrain = MNISTtools.load(dataset="training", path="/datasets/MNIST")
xtest, ltest = MNISTtools.load(dataset="testing", path="/datasets/MNIST")

# %%
def normalize_MNIST_images(x):
    return 2 * (x.astype(np.float32) / 255) - 1

xtrain = normalize_MNIST_images(xtrain)
xtest = normalize_MNIST_images(xtest)

# %% [markdown]
# **22.** Torch expects that the input of a convolutional layer is stored in the format
# *Batch size x Number of input channels x Image height x Image width*. The number of input channels is 1
# because MNIST images are grayscale (it would be 3 for RGB images); in deeper layers it is the number of
# input feature maps. Reorganise the tensors `xtrain` and `xtest` accordingly.
#
# *Hint:* reshape them first with shape (28, 28, 1, 60000) and (28, 28, 1, 10000) respectively and then use
# `np.moveaxis`.

# %%
xtrain = np.moveaxis(xtrain.reshape(28, 28, 1, 60000), [2, 3], [1, 0])
xtest = np.moveaxis(xtest.reshape(28, 28, 1, 10000), [2, 3], [1, 0])
print(xtrain.shape, xtest.shape)

# %% [markdown]
# **23.** Check that your data are well reorganized by making sure that `MNISTtools.show(xtrain[42, 0, :, :])`
# displays a digit that indeed corresponds to `ltrain[42]`.

# %%
MNISTtools.show(xtrain[42, 0, :, :])
print(ltrain[42])

# %% [markdown]
# **24.** Finally wrap all the data into torch Tensor.

# %%
xtrain = torch.from_numpy(xtrain)
ltrain = torch.from_numpy(ltrain)
xtest = torch.from_numpy(xtest)
ltest = torch.from_numpy(ltest)

# %% [markdown]
# ## 8. Convolutional Neural Network (CNN) for MNIST classification
#
# Neural networks are constructed with the `torch.nn` package, which relies on autograd:
#
# - convolutional layers are created as `nn.Conv2d(N, C, K)`; for input images of size $W \times H$ the output
#   feature maps have size $[W - K + 1] \times [H - K + 1]$;
# - maxpooling is a function like ReLU or softmax; for input images of size $W \times H$ the output feature
#   maps have size $\lceil W/L \rceil \times \lceil H/L \rceil$;
# - a fully connected layer is created as `nn.Linear(M, N)`.
#
# **25.** Our LeNet network is composed successively of
#
# (a) a convolutional layer connecting the input image to 6 feature maps with 5x5 convolutions (K = 5),
# followed by ReLU and maxpooling (L = 2),
# (b) a convolutional layer connecting the 6 input channels to 16 output channels with 5x5 convolutions,
# followed by ReLU and maxpooling (L = 2),
# (c) a fully-connected layer connecting 16 feature maps to 120 output units, followed by ReLU,
# (d) a fully-connected layer connecting 120 inputs to 84 output units, followed by ReLU,
# (e) a final linear layer connecting 84 inputs to 10 linear outputs (one for each of our digits).
#
# Determine the size of the feature maps after each convolution and maxpooling operation. How many input units
# does the third layer have?

# %% [markdown]
# **26.** Interpret and complete the following code initializing our LeNet network. You only define the
# forward function: the backward function (where gradients are computed) is defined for you by autograd.

# %%
import torch.nn as nn
import torch.nn.functional as F
# This is our neural networks class that inherits from nn.Module
class LeNet(nn.Module):
    # Here we define our network structure
    def __init__(self):
        super(LeNet, self).__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 4 * 4, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)
    # Here we define one forward pass through the network
    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
        x = F.max_pool2d(F.relu(self.conv2(x)), (2, 2))
        x = x.view(-1, self.num_flat_features(x))
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x
    # Determine the number of features in a batch of tensors
    def num_flat_features(self, x ):
        size = x.size()[1:]
        return np.prod(size)
net = LeNet()
print(net)

# %% [markdown]
# **27.** The learnable parameters of a model are returned by `net.parameters()`. Run the following and
# interpret the results. What are the learnable parameters? Are gradients going to be tracked by autograd for
# all parameters?

# %%
for name, param in net.named_parameters():
    print(name, param.size(), param.requires_grad)

# %% [markdown]
# **28.** Run a forward pass of your initial network over the testing set (`torch.no_grad()` avoids tracking
# gradients during testing) and interpret the result.

# %%
with torch.no_grad():
    yinit = net(xtest)
_, lpred = yinit.max(1)
print(100 * (ltest == lpred).float().mean())

# %% [markdown]
# **29.** We will use (mini-batch) Stochastic Gradient Descent (SGD) with cross-entropy and momentum: `T` is
# the number of epochs, `B` the minibatch size, `gamma` the step size and `rho` the momentum. PyTorch's
# `CrossEntropyLoss` is the composition of a softmax activation with the standard cross-entropy loss.
#
# **30.** Finish implementing `backprop_deep` by completing each part of the code below, then run it for 3
# epochs (it may take several minutes). The loss per minibatch should decay as 2.30, 2.29, 2.27, 2.24, 2.15,
# 1.82, 1.07, 0.65, ... until 0.22 (approximate values that vary each time you reinitialize the network). If it
# does not, you may have a bug. Note that the function updates the network `net` given in argument.

# %%
def backprop_deep(xtrain, ltrain, net, T, B=100, gamma=.001, rho=.9):
    N = xtrain.size()[0]  # Training set size
    NB = N // B  # Number of minibatches
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(net.parameters(), lr=0.001, momentum=rho)
    shuffled_indices = np.random.permutation(N)  # shuffle the training set
    for epoch in range(T):
        running_loss = 0.0
        for k in range(NB):
            # Extract k-th minibatch from xtrain and ltrain
            minibatch_indices = shuffled_indices[k*B:(k+1)*B]
            inputs = xtrain[minibatch_indices]
            labels = ltrain[minibatch_indices]
            # Initialize the gradients to zero
            optimizer.zero_grad()
            # Forward propagation
            outputs = net(inputs)
            # Error evaluation
            loss = criterion(outputs, labels)
            # Back propagation
            loss.backward()
            # Parameter update
            optimizer.step()
            # Print averaged loss per minibatch every 100 mini-batches
            # Compute and print statistics
            with torch.no_grad():
                running_loss += loss.item()
            if k % 100 == 99:
                print('[%d, %5d] loss: %.3f' %
                      (epoch + 1, k + 1, running_loss / 100))
                running_loss = 0.0

# %%
net = LeNet()
backprop_deep(xtrain, ltrain, net, T=3)

# %% [markdown]
# **31.** Re-evaluate the predictions of your trained network on the testing dataset. By how much did the
# accuracy improve compared to the initialization?

# %%
with torch.no_grad():
    y = net(xtest)
_, lpred = y.max(1)
print(100 * (ltest == lpred).float().mean())

# %% [markdown]
# **32.** Move the training data to the GPU, reinitialize a new network and transfer it to the GPU, then rerun
# `backprop_deep` for 10 epochs. The learning should run in less than a minute!

# %%
xtrain = xtrain.to(device)
ltrain = ltrain.to(device)
net = LeNet().to(device)
backprop_deep(xtrain, ltrain, net, T=10)

# %% [markdown]
# **33.** Re-evaluate the predictions of your trained network on the testing dataset. By how much did the
# accuracy improve compared to 3 epochs?

# %%
xtest = xtest.to(device)
ltest = ltest.to(device)

with torch.no_grad():
    y = net(xtest)
_, lpred = y.max(1)
print(100 * (ltest == lpred).float().mean())
