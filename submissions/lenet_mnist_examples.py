"""The lenet_mnist assignment (seed 004): its template and example submissions.

``write_examples()`` (re)writes

* ``assignments/lenet_mnist/template.ipynb``: the assignment's questions 21-33 as a notebook (the
  tensor warm-up, questions 1-20, summarised), with the given LeNet and backprop_deep code and its
  ``COMPLETE`` placeholders;
* ``submissions/lenet_mnist_full_marks.ipynb``: correct answers to both items;
* ``submissions/lenet_mnist_lenet5_padding.ipynb``: the 32x32 LeNet-5 (padding 2, fc1 with 400 inputs);
* ``submissions/lenet_mnist_backprop_bugs.py``: a percent-format export, learning rate hard-coded and one
  permutation for all epochs.

``README_SECTION`` is this assignment's part of ``submissions/README.md``.
"""

from __future__ import annotations

import math

from notebook_cells import (
    ROOT,
    SUBMISSIONS,
    Cell,
    assemble,
    code,
    md,
    notebook,
    percent_script,
    stream,
    write,
    write_notebook,
)

TEMPLATE_PATH = ROOT / "assignments" / "lenet_mnist" / "template.ipynb"
COLAB_NAME = "assignment2.ipynb"

# --------------------------------------------------------------------------------------------
# The given code, with the parts students complete as parameters.
# --------------------------------------------------------------------------------------------


def lenet_source(*, conv1: str, conv2: str, fc1: str, forward_conv2: str, forward_fc1: str) -> str:
    """Question 26's LeNet cell (``net = LeNet()``, ``print(net)`` included) with the given blanks filled."""
    return f"""\
import torch.nn as nn
import torch.nn.functional as F
# This is our neural networks class that inherits from nn.Module
class LeNet(nn.Module):
    # Here we define our network structure
    def __init__(self):
        super(LeNet, self).__init__()
        self.conv1 = {conv1}
        self.conv2 = {conv2}
        self.fc1 = {fc1}
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)
    # Here we define one forward pass through the network
    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
        x = {forward_conv2}
        x = x.view(-1, self.num_flat_features(x))
        x = {forward_fc1}
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x
    # Determine the number of features in a batch of tensors
    def num_flat_features(self, x ):
        size = x.size()[1:]
        return np.prod(size)
net = LeNet()
print(net)
"""


def backprop_source(
    *, nb: str, lr: str, shuffle: str, minibatch: str, index: str, backward: str, shuffle_once: bool = False
) -> str:
    """Questions 29 and 30's backprop_deep as one function, with the given blanks filled.

    ``shuffle_once``: the permutation is drawn once, before the epoch loop, instead of every epoch.
    """
    shuffle_before = f"    shuffled_indices = {shuffle}\n" if shuffle_once else ""
    shuffle_inside = "" if shuffle_once else f"        shuffled_indices = {shuffle}\n"
    return f"""\
def backprop_deep(xtrain, ltrain, net, T, B=100, gamma=.001, rho=.9):
    N = xtrain.size()[0]  # Training set size
    NB = {nb}  # Number of minibatches
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(net.parameters(), lr={lr}, momentum=rho)
{shuffle_before}    for epoch in range(T):
        running_loss = 0.0
{shuffle_inside}        for k in range(NB):
            # Extract k-th minibatch from xtrain and ltrain
            minibatch_indices = {minibatch}
            inputs = xtrain[{index}]
            labels = ltrain[{index}]
            # Initialize the gradients to zero
            optimizer.zero_grad()
            # Forward propagation
            outputs = net(inputs)
            # Error evaluation
            loss = criterion(outputs, labels)
            # Back propagation
            {backward}
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
"""


# --------------------------------------------------------------------------------------------
# The assignment (seed 004) as a notebook, in order.
# --------------------------------------------------------------------------------------------

MD_TITLE = md(
    """
    # Assignment 2: CNNs and PyTorch

    As for Assignment 1, we focus on classification on the MNIST dataset, but using deep Convolutional Neural
    Networks (CNNs) and PyTorch instead of shallow networks implemented by hand.

    CNNs are composed of *convolutional* layers (each output feature map is a filter bank applied to the input
    maps in sliding $K \\times K$ windows, followed by an activation such as ReLU), *maxpooling* operations (the
    maximum over non-overlapping $L \\times L$ windows, no parameters) and *fully connected* layers. PyTorch is
    a Python package for scientific computing on GPUs and a deep learning platform.

    Write your code and answers directly in this notebook, with headings, markdown and code cells following the
    numbering of the questions.
    """
)

IMPORTS = code(
    """
    import numpy as np
    import torch
    """
)

MD_WARMUP = md(
    """
    ## Tensors, NumPy and autograd (questions 1-20)

    Answer questions 1-20 of the assignment text in cells of your own: construct tensors (`torch.Tensor(5, 3)`,
    `torch.rand`, `torch.randn`) and report their initialisation and type (`.double()`); create tensors with
    prescribed values, stack them (`torch.stack`, `torch.cat`) and index them; compare the syntaxes of addition
    (`x + y`, `torch.add`, `x.add`, `out=`) and reshape with `view` (what does `-1` mean?); use `torch.mm`;
    convert between NumPy arrays and tensors (`.numpy()`, `torch.from_numpy`: do they share memory? compare
    `a.add_(1)`, `a[:] += 1` and `a = a.add(1)`); move tensors to the GPU (`.to(device)`, `device=`) and back;
    and use autograd: `requires_grad`, `backward()` and `.grad` on $f = \\frac{1}{4}\\sum_i 3 (x_i + 2)^2$, whose
    gradient you derive by hand.
    """
)

WARMUP_TENSORS = code(
    """
    x = torch.Tensor(5, 3)
    print(x)
    y = torch.rand(5, 3)
    print(y)
    """
)

WARMUP_DEVICE = code(
    """
    device = 'cuda' if torch.cuda.is_available() else 'cpu'
    print(device)
    x = torch.randn(5, 3).to(device)
    y = torch.randn(5, 3, device=device)
    z = x + y
    """
)

WARMUP_AUTOGRAD = code(
    """
    x = torch.ones(2, 2, requires_grad=True)
    y = x + 2
    z = y * y * 3
    f = z.mean()
    f.backward() # That's it!
    print(x.grad)
    """
)

MD_Q21 = md(
    """
    ## 7. MNIST data preparation

    **21.** Reuse the code from Assignment 1 to load and normalize MNIST testing and training data.
    """
)

DATA_LOAD = code(
    """
    import MNISTtools
    xtrain, ltrain = MNISTtools.load(dataset="training", path="/datasets/MNIST")
    xtest, ltest = MNISTtools.load(dataset="testing", path="/datasets/MNIST")
    """
)

NORMALIZE = code(
    """
    def normalize_MNIST_images(x):
        return COMPLETE  # from Assignment 1: float32 values in [-1, 1]

    xtrain = normalize_MNIST_images(xtrain)
    xtest = normalize_MNIST_images(xtest)
    """
)

MD_Q22 = md(
    """
    **22.** Torch expects that the input of a convolutional layer is stored in the format
    *Batch size x Number of input channels x Image height x Image width*. The number of input channels is 1
    because MNIST images are grayscale (it would be 3 for RGB images); in deeper layers it is the number of
    input feature maps. Reorganise the tensors `xtrain` and `xtest` accordingly.

    *Hint:* reshape them first with shape (28, 28, 1, 60000) and (28, 28, 1, 10000) respectively and then use
    `np.moveaxis`.
    """
)

RESHAPE = code(
    """
    xtrain = COMPLETE
    xtest = COMPLETE
    print(xtrain.shape, xtest.shape)
    """
)

MD_Q23 = md(
    """
    **23.** Check that your data are well reorganized by making sure that `MNISTtools.show(xtrain[42, 0, :, :])`
    displays a digit that indeed corresponds to `ltrain[42]`.
    """
)

SHOW = code(
    """
    MNISTtools.show(xtrain[42, 0, :, :])
    print(ltrain[42])
    """
)

MD_Q24 = md("**24.** Finally wrap all the data into torch Tensor.")

TO_TORCH = code(
    """
    xtrain = torch.from_numpy(xtrain)
    ltrain = torch.from_numpy(ltrain)
    xtest = torch.from_numpy(xtest)
    ltest = torch.from_numpy(ltest)
    """
)

MD_Q25 = md(
    """
    ## 8. Convolutional Neural Network (CNN) for MNIST classification

    Neural networks are constructed with the `torch.nn` package, which relies on autograd:

    - convolutional layers are created as `nn.Conv2d(N, C, K)`; for input images of size $W \\times H$ the output
      feature maps have size $[W - K + 1] \\times [H - K + 1]$;
    - maxpooling is a function like ReLU or softmax; for input images of size $W \\times H$ the output feature
      maps have size $\\lceil W/L \\rceil \\times \\lceil H/L \\rceil$;
    - a fully connected layer is created as `nn.Linear(M, N)`.

    **25.** Our LeNet network is composed successively of

    (a) a convolutional layer connecting the input image to 6 feature maps with 5x5 convolutions (K = 5),
    followed by ReLU and maxpooling (L = 2),
    (b) a convolutional layer connecting the 6 input channels to 16 output channels with 5x5 convolutions,
    followed by ReLU and maxpooling (L = 2),
    (c) a fully-connected layer connecting 16 feature maps to 120 output units, followed by ReLU,
    (d) a fully-connected layer connecting 120 inputs to 84 output units, followed by ReLU,
    (e) a final linear layer connecting 84 inputs to 10 linear outputs (one for each of our digits).

    Determine the size of the feature maps after each convolution and maxpooling operation. How many input units
    does the third layer have?
    """
)

MD_Q26 = md(
    """
    **26.** Interpret and complete the following code initializing our LeNet network. You only define the
    forward function: the backward function (where gradients are computed) is defined for you by autograd.
    """
)

LENET_STUB = code(
    lenet_source(
        conv1="nn.Conv2d(1, 6, 5)", conv2="COMPLETE", fc1="COMPLETE", forward_conv2="COMPLETE", forward_fc1="COMPLETE"
    )
)

MD_Q27 = md(
    """
    **27.** The learnable parameters of a model are returned by `net.parameters()`. Run the following and
    interpret the results. What are the learnable parameters? Are gradients going to be tracked by autograd for
    all parameters?
    """
)

PARAMETERS = code(
    """
    for name, param in net.named_parameters():
        print(name, param.size(), param.requires_grad)
    """
)

MD_Q28 = md(
    """
    **28.** Run a forward pass of your initial network over the testing set (`torch.no_grad()` avoids tracking
    gradients during testing) and interpret the result.
    """
)

EVALUATE = """
with torch.no_grad():
    yinit = net(xtest)
_, lpred = yinit.max(1)
print(100 * (ltest == lpred).float().mean())
"""

EVALUATE_INIT = code(EVALUATE)

MD_Q29_30 = md(
    """
    **29.** We will use (mini-batch) Stochastic Gradient Descent (SGD) with cross-entropy and momentum: `T` is
    the number of epochs, `B` the minibatch size, `gamma` the step size and `rho` the momentum. PyTorch's
    `CrossEntropyLoss` is the composition of a softmax activation with the standard cross-entropy loss.

    **30.** Finish implementing `backprop_deep` by completing each part of the code below, then run it for 3
    epochs (it may take several minutes). The loss per minibatch should decay as 2.30, 2.29, 2.27, 2.24, 2.15,
    1.82, 1.07, 0.65, ... until 0.22 (approximate values that vary each time you reinitialize the network). If it
    does not, you may have a bug. Note that the function updates the network `net` given in argument.
    """
)

BACKPROP_STUB = code(
    backprop_source(
        nb="COMPLETE", lr="COMPLETE", shuffle="COMPLETE", minibatch="COMPLETE", index="COMPLETE", backward="COMPLETE"
    )
)

TRAIN_3 = code(
    """
    net = LeNet()
    backprop_deep(xtrain, ltrain, net, T=3)
    """
)

MD_Q31 = md(
    """
    **31.** Re-evaluate the predictions of your trained network on the testing dataset. By how much did the
    accuracy improve compared to the initialization?
    """
)

EVALUATE_3 = code("# YOUR CODE HERE")

MD_Q32 = md(
    """
    **32.** Move the training data to the GPU, reinitialize a new network and transfer it to the GPU, then rerun
    `backprop_deep` for 10 epochs. The learning should run in less than a minute!
    """
)

GPU_TRAIN = code(
    """
    xtrain = COMPLETE
    ltrain = COMPLETE
    net = LeNet().to(device)
    backprop_deep(xtrain, ltrain, net, T=10)
    """
)

MD_Q33 = md(
    """
    **33.** Re-evaluate the predictions of your trained network on the testing dataset. By how much did the
    accuracy improve compared to 3 epochs?
    """
)

EVALUATE_10 = code("# YOUR CODE HERE")

# The notebook, in order: (name, cell).  Names let a submission swap or surround a cell.
TEMPLATE: list[tuple[str, Cell]] = [
    ("md_title", MD_TITLE),
    ("imports", IMPORTS),
    ("md_warmup", MD_WARMUP),
    ("warmup_tensors", WARMUP_TENSORS),
    ("warmup_device", WARMUP_DEVICE),
    ("warmup_autograd", WARMUP_AUTOGRAD),
    ("md_q21", MD_Q21),
    ("data_load", DATA_LOAD),
    ("normalize", NORMALIZE),
    ("md_q22", MD_Q22),
    ("reshape", RESHAPE),
    ("md_q23", MD_Q23),
    ("show", SHOW),
    ("md_q24", MD_Q24),
    ("to_torch", TO_TORCH),
    ("md_q25", MD_Q25),
    ("md_q26", MD_Q26),
    ("LeNet", LENET_STUB),
    ("md_q27", MD_Q27),
    ("parameters", PARAMETERS),
    ("md_q28", MD_Q28),
    ("evaluate_init", EVALUATE_INIT),
    ("md_q29_30", MD_Q29_30),
    ("backprop_deep", BACKPROP_STUB),
    ("train_3", TRAIN_3),
    ("md_q31", MD_Q31),
    ("evaluate_3", EVALUATE_3),
    ("md_q32", MD_Q32),
    ("gpu_train", GPU_TRAIN),
    ("md_q33", MD_Q33),
    ("evaluate_10", EVALUATE_10),
]


# --------------------------------------------------------------------------------------------
# Answers shared by the examples, and the logs their runs print.
# --------------------------------------------------------------------------------------------

NORMALIZE_ANSWER = """
def normalize_MNIST_images(x):
    return 2 * (x.astype(np.float32) / 255) - 1

xtrain = normalize_MNIST_images(xtrain)
xtest = normalize_MNIST_images(xtest)
"""

RESHAPE_ANSWER = """
xtrain = np.moveaxis(xtrain.reshape(28, 28, 1, 60000), [2, 3], [1, 0])
xtest = np.moveaxis(xtest.reshape(28, 28, 1, 10000), [2, 3], [1, 0])
print(xtrain.shape, xtest.shape)
"""

LENET_ANSWER = lenet_source(
    conv1="nn.Conv2d(1, 6, 5)",
    conv2="nn.Conv2d(6, 16, 5)",
    fc1="nn.Linear(16 * 4 * 4, 120)",
    forward_conv2="F.max_pool2d(F.relu(self.conv2(x)), (2, 2))",
    forward_fc1="F.relu(self.fc1(x))",
)

BACKPROP_ANSWER = backprop_source(
    nb="N // B",
    lr="gamma",
    shuffle="np.random.permutation(N)",
    minibatch="shuffled_indices[B*k:min(B*(k+1), N)]",
    index="minibatch_indices",
    backward="loss.backward()",
)

EVALUATE_TRAINED = """
with torch.no_grad():
    y = net(xtest)
_, lpred = y.max(1)
print(100 * (ltest == lpred).float().mean())
"""


def training_log(losses: list[float], timing: str = "") -> dict:
    """What backprop_deep prints: the mean loss of every 100 minibatches, 6 lines per epoch of 600."""
    lines = [f"[{i // 6 + 1}, {(i % 6 + 1) * 100:5d}] loss: {loss:.3f}" for i, loss in enumerate(losses)]
    return stream("\n".join(lines) + ("\n" + timing if timing else ""))


#: The decay the assignment text announces for 3 epochs (2.30, 2.29, 2.27, 2.24, 2.15, 1.82, 1.07, 0.65...).
LOSSES_3 = [2.302, 2.294, 2.273, 2.241, 2.153, 1.824, 1.068, 0.652, 0.483, 0.412, 0.367, 0.331,
            0.297, 0.276, 0.259, 0.244, 0.231, 0.219]
LOSSES_LENET5 = [2.301, 2.296, 2.286, 2.262, 2.201, 1.986, 1.342, 0.781, 0.539, 0.437, 0.382, 0.345,
                 0.309, 0.284, 0.268, 0.251, 0.236, 0.224]


#: The first two epochs of the 10-epoch GPU run (a new network: close to the 3-epoch run, not equal).
GPU_START = [2.303, 2.298, 2.285, 2.259, 2.190, 1.951, 1.205, 0.716, 0.507, 0.429, 0.378, 0.342]


def losses_10() -> list[float]:
    """A plausible 10-epoch curve: a slow decay after the first two epochs, with some (fixed) noise."""
    tail = [0.31 * math.exp(-(i + 1) / 12) + 0.04 + 0.002 * ((i * 37) % 11 - 5) for i in range(48)]
    return GPU_START + [round(v, 3) for v in tail]


GPU_TIMING = "CPU times: user 38.6 s, sys: 1.21 s, total: 39.8 s\nWall time: 40.3 s"


# --------------------------------------------------------------------------------------------
# Full marks: correct answers, on Colab with the data and MNISTtools.py on Google Drive.
# --------------------------------------------------------------------------------------------

FULL_MOUNT = code(
    """
    from google.colab import drive
    drive.mount('/content/drive')
    """
)
FULL_SETUP = code(
    """
    %cd /content/drive/MyDrive/dl_workshop/assignment2
    !ls /content/drive/MyDrive/dl_workshop/MNIST
    !nvidia-smi
    %matplotlib inline
    """
)

FULL_WARMUP_ANSWERS = md(
    """
    **1-20.** `torch.Tensor(5, 3)` is a `torch.FloatTensor` of uninitialised memory; `torch.rand` is uniform on
    [0, 1), `torch.randn` standard normal. `view(-1, 8)` infers the size of the first dimension. `b = a.numpy()`
    and `torch.from_numpy(a)` share memory with `a`: in-place operations (`a.add_(1)`, `a[:] += 1`) show up in
    both, `a = a.add(1)` creates a new tensor. Allocating directly on the GPU (`device=device`) avoids a copy.
    `z.numpy()` fails on a GPU tensor: it has to be moved with `.cpu()` first.
    $f = \\frac{1}{4}\\sum_i 3(x_i + 2)^2$, so $\\partial f / \\partial x_i = \\frac{3}{2}(x_i + 2) = 4.5$ at
    $x = 1$, which is what `x.grad` shows.
    """
)

FULL_ANSWER_Q25 = md(
    """
    **25.** 28x28 -conv 5x5-> 6 maps of 24x24 -maxpool-> 12x12 -conv 5x5-> 16 maps of 8x8 -maxpool-> 4x4.
    The third layer has 16 x 4 x 4 = 256 input units.
    """
)

FULL_DATA_LOAD = code(
    """
    import MNISTtools
    xtrain, ltrain = MNISTtools.load(dataset="training", path="/content/drive/MyDrive/dl_workshop/MNIST")
    xtest, ltest = MNISTtools.load(dataset="testing", path="/content/drive/MyDrive/dl_workshop/MNIST")
    """
)

LENET_PRINT = """
LeNet(
  (conv1): Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1))
  (conv2): Conv2d(6, 16, kernel_size=(5, 5), stride=(1, 1))
  (fc1): Linear(in_features=256, out_features=120, bias=True)
  (fc2): Linear(in_features=120, out_features=84, bias=True)
  (fc3): Linear(in_features=84, out_features=10, bias=True)
)
"""

PARAMETERS_PRINT = """
conv1.weight torch.Size([6, 1, 5, 5]) True
conv1.bias torch.Size([6]) True
conv2.weight torch.Size([16, 6, 5, 5]) True
conv2.bias torch.Size([16]) True
fc1.weight torch.Size([120, 256]) True
fc1.bias torch.Size([120]) True
fc2.weight torch.Size([84, 120]) True
fc2.bias torch.Size([84]) True
fc3.weight torch.Size([10, 84]) True
fc3.bias torch.Size([10]) True
"""

FULL_GPU_TRAIN = code(
    """
    %%time
    xtrain = xtrain.to(device)
    ltrain = ltrain.to(device)
    net = LeNet().to(device)
    backprop_deep(xtrain, ltrain, net, T=10)
    """,
    outputs=(training_log(losses_10(), GPU_TIMING),),
    execution_count=31,
)

FULL_EVALUATE_10 = code(
    "xtest = xtest.to(device)\nltest = ltest.to(device)\n" + EVALUATE_TRAINED,
    outputs=(stream("tensor(98.6100, device='cuda:0')"),),
    execution_count=32,
)

FULL_ANSWERS = {
    "data_load": FULL_DATA_LOAD,
    "normalize": code(NORMALIZE_ANSWER),
    "reshape": code(RESHAPE_ANSWER, outputs=(stream("(60000, 1, 28, 28) (10000, 1, 28, 28)"),), execution_count=14),
    "LeNet": code(LENET_ANSWER, outputs=(stream(LENET_PRINT),), execution_count=20),
    "parameters": code(PARAMETERS.source, outputs=(stream(PARAMETERS_PRINT),), execution_count=21),
    "evaluate_init": code(EVALUATE, outputs=(stream("tensor(9.8000)"),), execution_count=22),
    "backprop_deep": code(BACKPROP_ANSWER),
    "train_3": code(TRAIN_3.source, outputs=(training_log(LOSSES_3),), execution_count=24),
    "evaluate_3": code(EVALUATE_TRAINED, outputs=(stream("tensor(93.7400)"),), execution_count=25),
    "gpu_train": FULL_GPU_TRAIN,
    "evaluate_10": FULL_EVALUATE_10,
}

FULL_AFTER = {
    "warmup_autograd": (FULL_WARMUP_ANSWERS,),
    "md_q25": (FULL_ANSWER_Q25,),
    "evaluate_3": (md("**31.** From 9.8 % (chance) to 93.7 % after 3 epochs."),),
    "evaluate_10": (md("**33.** 98.6 % after 10 epochs on the GPU, 4.9 points more than after 3 epochs."),),
}


# --------------------------------------------------------------------------------------------
# LeNet-5 as in the paper, for 32x32 inputs: padding 2 on conv1 and fc1 with 16*5*5 inputs.
# backprop_deep correct, written differently (ceil for the last partial minibatch, randperm).
# Run on the course's Jupyter server (not Colab).
# --------------------------------------------------------------------------------------------

LENET5_ANSWER_Q25 = md(
    """
    **25.** LeNet-5 works on 32x32 images: 32 -conv-> 28 -pool-> 14 -conv-> 10 -pool-> 5, so the third layer
    has 16 * 5 * 5 = 400 inputs. Our images are 28x28, so we pad them by 2 pixels in the first convolution, as
    in the original paper.
    """
)

LENET5_LENET = lenet_source(
    conv1="nn.Conv2d(1, 6, 5, padding=2)  # 28x28 -> 32x32 like LeNet-5",
    conv2="nn.Conv2d(6, 16, 5)",
    fc1="nn.Linear(16 * 5 * 5, 120)",
    forward_conv2="F.max_pool2d(F.relu(self.conv2(x)), 2)",
    forward_fc1="F.relu(self.fc1(x))",
)

LENET5_PRINT = """
LeNet(
  (conv1): Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2))
  (conv2): Conv2d(6, 16, kernel_size=(5, 5), stride=(1, 1))
  (fc1): Linear(in_features=400, out_features=120, bias=True)
  (fc2): Linear(in_features=120, out_features=84, bias=True)
  (fc3): Linear(in_features=84, out_features=10, bias=True)
)
"""

LENET5_BACKPROP = backprop_source(
    nb="int(np.ceil(N / B))",
    lr="gamma",
    shuffle="torch.randperm(N)",
    minibatch="shuffled_indices[B*k:min(B*(k+1), N)]",
    index="minibatch_indices",
    backward="loss.backward()",
)

LENET5_NORMALIZE = """
def normalize_MNIST_images(x):
    x = x.astype(np.float32)
    return (x - 127.5) / 127.5

xtrain = normalize_MNIST_images(xtrain)
xtest = normalize_MNIST_images(xtest)
"""

LENET5_RESHAPE = """
xtrain = np.moveaxis(xtrain.reshape(28, 28, 1, 60000), (3, 2), (0, 1))
xtest = np.moveaxis(xtest.reshape(28, 28, 1, 10000), (3, 2), (0, 1))
print(xtrain.shape, xtest.shape)
"""

LENET5_ANSWERS = {
    "normalize": code(LENET5_NORMALIZE),
    "reshape": code(LENET5_RESHAPE, outputs=(stream("(60000, 1, 28, 28) (10000, 1, 28, 28)"),), execution_count=9),
    "LeNet": code(LENET5_LENET, outputs=(stream(LENET5_PRINT),), execution_count=13),
    "evaluate_init": code(EVALUATE, outputs=(stream("tensor(10.0900)"),), execution_count=15),
    "backprop_deep": code(LENET5_BACKPROP),
    "train_3": code(TRAIN_3.source, outputs=(training_log(LOSSES_LENET5),), execution_count=17),
    "evaluate_3": code(EVALUATE_TRAINED, outputs=(stream("tensor(93.2100)"),), execution_count=18),
    "gpu_train": code(
        """
        xtrain = xtrain.to(device)
        ltrain = ltrain.to(device)
        net = LeNet().to(device)
        backprop_deep(xtrain, ltrain, net, T=10)
        """
    ),
    "evaluate_10": code("xtest, ltest = xtest.to(device), ltest.to(device)\n" + EVALUATE_TRAINED),
}

LENET5_AFTER = {"md_q25": (LENET5_ANSWER_Q25,)}


# --------------------------------------------------------------------------------------------
# backprop_deep bugs: learning rate hard-coded, one permutation for all epochs (the same
# minibatches every epoch).  LeNet correct.  Exported as a percent-format .py.
# --------------------------------------------------------------------------------------------

BUGS_BACKPROP = backprop_source(
    nb="N // B",
    lr="0.001",
    shuffle="np.random.permutation(N)  # shuffle the training set",
    minibatch="shuffled_indices[k*B:(k+1)*B]",
    index="minibatch_indices",
    backward="loss.backward()",
    shuffle_once=True,
)

BUGS_SETUP = code(
    """
    %matplotlib inline
    import matplotlib.pyplot as plt
    """
)

BUGS_ANSWERS = {
    "normalize": code(NORMALIZE_ANSWER),
    "reshape": code(RESHAPE_ANSWER),
    "LeNet": code(LENET_ANSWER),
    "backprop_deep": code(BUGS_BACKPROP),
    "evaluate_3": code(EVALUATE_TRAINED),
    "gpu_train": code(
        """
        xtrain = xtrain.to(device)
        ltrain = ltrain.to(device)
        net = LeNet().to(device)
        backprop_deep(xtrain, ltrain, net, T=10)
        """
    ),
    "evaluate_10": code("xtest = xtest.to(device)\nltest = ltest.to(device)\n" + EVALUATE_TRAINED),
}


# --------------------------------------------------------------------------------------------
# Assembly.
# --------------------------------------------------------------------------------------------

README_SECTION = """\
## lenet_mnist (seed 004)

Template: `assignments/lenet_mnist/template.ipynb`: questions 21-33 of the assignment as markdown and code
cells (the tensor warm-up, questions 1-20, summarised in one markdown cell and three code cells): MNIST loaded
with Assignment 1's `MNISTtools`, normalised, reorganised to (N, 1, 28, 28) with `np.moveaxis` and wrapped
with `torch.from_numpy`; question 26's LeNet cell and questions 29-30's `backprop_deep`, merged into one
function, exactly as given with their `COMPLETE` placeholders (valid names, so every cell parses); the
training and GPU cells of questions 30-33. Graded: `LeNet`, `backprop_deep`; the data loading and every call
of `backprop_deep` are dropped by the extractor, never run.

- `lenet_mnist_full_marks.ipynb`: Colab notebook (drive mount, `%cd` to the folder holding `MNISTtools.py`,
  `!nvidia-smi`, `%matplotlib inline`, a `%%time` GPU training cell, training logs and accuracies as outputs,
  answers in markdown). LeNet completed with `conv2 = nn.Conv2d(6, 16, 5)`, `fc1 = nn.Linear(16*4*4, 120)`
  (44,426 parameters) and the forward pass; `backprop_deep` with `NB = N // B`, a fresh
  `np.random.permutation(N)` inside the epoch loop, `shuffled_indices[B*k:min(B*(k+1), N)]`, `lr=gamma` and
  `loss.backward()`. Expected: full marks, no failed check and no warning.
- `lenet_mnist_lenet5_padding.ipynb`: the 32x32 LeNet-5 of the paper, on the course's Jupyter server (not
  Colab): conv1 with `padding=2` and `fc1 = nn.Linear(16*5*5, 120)` (61,706 parameters), the answer to
  question 25 computed for 32x32 images. Expected: LeNet fails `parameter_count` (61,706 instead of 44,426)
  and `layer_shapes` (padding on conv1, fc1 with 400 inputs instead of 16*4*4 = 256), both messages explaining
  256 vs 400; `output_shape` and `matches_reference` pass (the padded network still maps a 28x28 batch to
  (N, 10), and its forward pass is the text's for its own layer sizes, so the wrong sizes are charged once).
  `backprop_deep` is correct, written differently: `NB = int(np.ceil(N / B))` (a last partial minibatch;
  accepted) and `torch.randperm(N)`. Expected: full marks for backprop_deep.
- `lenet_mnist_backprop_bugs.py`: a jupytext percent-format export (magics commented) with a correct LeNet
  (full marks) and the two `backprop_deep` mistakes the grading decisions name: the learning rate hard-coded
  (`lr=0.001`, ignoring `gamma`: fails `sgd_updates` when probed with another gamma) and the permutation drawn
  once before the epoch loop, so every epoch sees the same minibatches in the same order: fails
  `reshuffles_each_epoch`. Everything else full marks.
"""


def write_examples() -> None:
    """Write the template and the three example submissions."""
    write_notebook(TEMPLATE_PATH, notebook(assemble(TEMPLATE), "template"))

    full = assemble(TEMPLATE, FULL_ANSWERS, before=(FULL_MOUNT, FULL_SETUP), after=FULL_AFTER)
    write_notebook(SUBMISSIONS / "lenet_mnist_full_marks.ipynb", notebook(full, "full-marks", colab_name=COLAB_NAME))

    lenet5 = assemble(TEMPLATE, LENET5_ANSWERS, after=LENET5_AFTER)
    write_notebook(SUBMISSIONS / "lenet_mnist_lenet5_padding.ipynb", notebook(lenet5, "lenet5-padding"))

    bugs = assemble(TEMPLATE, BUGS_ANSWERS, before=(BUGS_SETUP,))
    write(SUBMISSIONS / "lenet_mnist_backprop_bugs.py", percent_script(bugs))
