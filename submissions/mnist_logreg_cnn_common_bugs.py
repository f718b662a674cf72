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
# !pip install -q torchvision
# %matplotlib inline

# %% [markdown]
# # TP3: Neural networks and CNNs with PyTorch
#
# In this practical session we use PyTorch to train, on the MNIST digits, a multi layer perceptron, a
# multinomial logistic regression (Problem 1) and convolutional networks with dropout (Problem 2).
#
# Write your answers to the questions in markdown cells of this notebook, next to the code they refer to.

# %%
import numpy as np
import matplotlib.pyplot as plt
import torch
import torch.nn as nn
import torch.optim as optim
from torchvision import datasets, transforms

# %% [markdown]
# ## 1. Introduction
#
# PyTorch computes gradients for us (autograd). As a warm-up, the following block minimises
# $(1 - x^\top w)^2$ over $w \in \mathbb{R}^5$ with $x = (1, \dots, 1)^\top$ by gradient descent, starting
# from $w_0 = 0$.

# %%
x = torch.ones(5)
w = torch.zeros(5, requires_grad=True)
eta = 0.01  # learning rate

for k in range(100):
    loss = (1 - x @ w) ** 2
    loss.backward()  # computes d loss / d w and stores it in w.grad
    with torch.no_grad():
        w -= eta * w.grad
    w.grad.zero_()

print(w)

# %% [markdown]
# **Question 1:** Solve the problem $\min_{w \in \mathbb{R}^5} (1 - x^\top w)^2$ with
# $x = (1, \dots, 1)^\top \in \mathbb{R}^5$ analytically and compare to the result of the Gradient Descent.
#
# **Question 2:** Recalling the theory of numerical optimization, what is the learning rate $\eta$ that we
# need to set to ensure the fastest convergence?
#
# **Question 3:** Explain the connection of `loss.backward()` and the backpropagation for feedforward
# neural nets.

# %% [markdown]
# ## 2. Multi layer perceptron
#
# We now classify the MNIST digits (28x28 grey-level images, 10 classes). The official training set is split
# into a training set and a validation set; the test set is kept for the very end.

# %%
# Hyper-parameters
input_size = 784     # 28 x 28 pixels
output_size = 10     # 10 digits
num_epochs = 2       # passes over the training data
batch_size = 100
lr = 0.001           # learning rate

# %%
all_train = datasets.MNIST('data/',
                           download=True,
                           train=True,
                           transform=transforms.ToTensor())
num_train = 50000
trainset, valset = torch.utils.data.random_split(all_train, [num_train, len(all_train) - num_train])

# plot the first image of the training set
image, label = trainset[0]
plt.imshow(image.squeeze(), cmap='gray')
plt.title(f'Label: {label}')
plt.show()

# %% [markdown]
# **Question 4:** Run the above block several times. Is it plotting the same number all the time? If not,
# why?

# %%
trainloader = torch.utils.data.DataLoader(trainset, batch_size=batch_size, shuffle=True)
valloader = torch.utils.data.DataLoader(valset, batch_size=batch_size, shuffle=False)

# %% [markdown]
# A multi layer perceptron with one hidden layer of 500 units:

# %%
hidden_size = 500

class MLP(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super().__init__()
        self.fc1 = nn.Linear(input_size, hidden_size)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(hidden_size, output_size)

    def forward(self, x):
        x = x.reshape(-1, input_size)  # flatten the 28x28 images
        out = self.relu(self.fc1(x))
        out = self.fc2(out)
        return out

net = MLP(input_size, hidden_size, output_size)
criterion = nn.CrossEntropyLoss()
optimizer = optim.SGD(net.parameters(), lr=lr)

# %% [markdown]
# `train` makes one pass over the training data and updates the weights after every batch; `validation`
# makes one pass over the validation data and returns the mean loss per batch and the accuracy.

# %%
def train(model, trainloader, criterion, optimizer, epoch, num_epochs):
    model.train()  # training mode (e.g. dropout is active)
    for i, (inputs, labels) in enumerate(trainloader):
        optimizer.zero_grad()  # zero the parameter gradients
        outputs = net(inputs) # Forwards stage (prediction with current weights)
        loss = criterion(outputs, labels)  # how far the predictions are from the labels
        loss.backward()  # Backward stage (gradients of the loss with respect to the weights)
        optimizer.step()  # Update stage (one step of the optimizer on the weights)
        if (i + 1) % 100 == 0:
            print(f'Epoch [{epoch + 1}/{num_epochs}], Step [{i + 1}/{len(trainloader)}], Loss: {loss.item():.4f}')

# %%
def validation(model, valloader, criterion):
    model.eval()  # evaluation mode (e.g. dropout is inactive)
    correct = 0
    total = 0
    running_loss = 0.0
    with torch.no_grad():  # no gradients are needed to evaluate
        for inputs, labels in valloader:
            outputs = model(inputs)
            loss = criterion(outputs, labels)
            running_loss += loss.item()
            _, predicted = torch.max(outputs, 1)
            total += labels.size(0)
            correct += (predicted == labels).sum().item()
    mean_val_loss = running_loss / len(valloader)
    mean_val_accuracy = correct / total
    return mean_val_loss, mean_val_accuracy

# %%
# num_epochs indicates the number of passes over the data
for epoch in range(num_epochs):

    # makes one pass over the train data and updates weights
    train(net, trainloader, criterion, optimizer, epoch, num_epochs)

    # makes one pass over validation data and provides validation statistics
    val_loss, val_acc = validation(net, valloader, criterion)

# %% [markdown]
# ## 3. Problem 1: Logistic regression via pytorch
#
# Implement a multinomial logistic regression as a PyTorch module `MultinomialLogisticRegression(input_size,
# output_size)` taking a batch of images, train it with the functions above and evaluate it. Note that
# `nn.CrossEntropyLoss` combines `nn.LogSoftmax` and `nn.NLLLoss`. In your report, give:
#
# 1. a mathematical description of logistic regression;
# 2. a mathematical description of the optimization algorithm that you use;
# 3. the high level idea of how to implement logistic regression with pytorch;
# 4. the classification accuracy on test data.

# %%
# Add multinomial logistic regression
class MultinomialLogisticRegression(nn.Module):
    def __init__(self, input_size, output_size):
        super().__init__()
        self.fc = nn.Linear(input_size, output_size)

    def forward(self, x):
        x = x.view(x.size(0), -1)
        # softmax turns the scores into the probabilities of the 10 classes
        return torch.softmax(self.fc(x), dim=1)

# %%
# initializing our model/loss/optimizer
MLR = MultinomialLogisticRegression(input_size, output_size)
criterion = nn.CrossEntropyLoss()
optimizer = optim.SGD(MLR.parameters(), lr=lr)

# %%
# num_epochs indicates the number of passes over the data
for epoch in range(num_epochs):

    # makes one pass over the train data and updates weights
    train(MLR, trainloader, criterion, optimizer, epoch, num_epochs)

    # makes one pass over validation data and provides validation statistics
    val_loss, val_acc = validation(MLR, valloader, criterion)

# %% [markdown]
# Report the classification accuracy on test data.

# %%
# Let us evaluate our net on the test set that we have never seen!
testset = datasets.MNIST('data/',
                        download=True,
                        train=False,
                        transform=transforms.ToTensor())
testloader = torch.utils.data.DataLoader(testset, batch_size=batch_size, shuffle=True)

test_loss, test_acc = validation(MLR, testloader, criterion)
print(f'Test accuracy: {test_acc}')

# %% [markdown]
# ## 4. Problem 2: Dropout
#
# Here is a small convolutional network: one convolution (8 filters of size 5x5) with ReLU and max-pooling,
# then two fully connected layers. Train it and evaluate it on the test set.

# %%
class ConvNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer1 = nn.Sequential(
            nn.Conv2d(1, 8, kernel_size=5, stride=1, padding=2),
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=2, stride=2))

        self.classifier = nn.Sequential(
            nn.Linear(14 * 14 * 8, 500),
            nn.ReLU(),
            nn.Linear(500, 10)
        )

    def forward(self, x):
        out = self.layer1(x)
        out = out.reshape(out.size(0), -1)
        out = self.classifier(out)
        return out

# %%
net = ConvNet()

# Loss and optimizer
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(net.parameters(), lr=lr)

for epoch in range(num_epochs):

    # makes one pass over the train data and updates weights
    train(net, trainloader, criterion, optimizer, epoch, num_epochs)

    # makes one pass over validation data and provides validation statistics
    val_loss, val_acc = validation(net, valloader, criterion)

# %%
test_loss, test_acc = validation(net, testloader, criterion)
print(f'Test accuracy: {test_acc} | Test loss: {test_loss}')

# %% [markdown]
# Dropout randomly sets units to zero during training to prevent overfitting. Write `ConvNet2`: `ConvNet`
# with dropout (`nn.Dropout`, probability 0.5) before its first fully connected layer. Train it and compare.
# You may try other architectures too. In your report, give:
#
# 1. a high level description of the dropout;
# 2. a high level description of your architecture;
# 3. the classification accuracy on test data.

# %%
class ConvNet2(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer1 = nn.Sequential(
            nn.Conv2d(1, 8, kernel_size=5, stride=1, padding=2),
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=2, stride=2))

        self.classifier = nn.Sequential(
            nn.Linear(14 * 14 * 8, 500),
            nn.ReLU(),
            nn.Dropout(0.5),  # dropout on the hidden layer
            nn.Linear(500, 10)
        )

    def forward(self, x):
        out = self.layer1(x)
        out = out.reshape(out.size(0), -1)
        out = self.classifier(out)
        return out

# %%
net = ConvNet2()

# Loss and optimizer
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(net.parameters(), lr=lr)

for epoch in range(num_epochs):

    # makes one pass over the train data and updates weights
    train(net, trainloader, criterion, optimizer, epoch, num_epochs)

    # makes one pass over validation data and provides validation statistics
    val_loss, val_acc = validation(net, valloader, criterion)

# %%
test_loss, test_acc = validation(net, testloader, criterion)
print(f'Test accuracy: {test_acc} | Test loss: {test_loss}')
