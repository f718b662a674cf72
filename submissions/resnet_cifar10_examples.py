"""The resnet_cifar10 assignment (seed 002): its template and example submissions.

``write_examples()`` (re)writes

* ``assignments/resnet_cifar10/template.ipynb``: the notebook as the course hands it out;
* ``submissions/resnet_cifar10_full_marks.ipynb``: correct answers for all seven items;
* ``submissions/resnet_cifar10_seed_student.ipynb``: the seed student's answers, reconstructed;
* ``submissions/resnet_cifar10_dropout_keeps_p.ipynb``: Dropout keeps with probability p, defined twice;
* ``submissions/resnet_cifar10_batchnorm_no_eps.py``: a jupytext percent export, BatchNorm without eps;
* ``submissions/resnet_cifar10_loop_bugs.py``: correct models, run_epoch without eval mode, fit off by one.

``README_SECTION`` is this assignment's part of ``submissions/README.md``.  No execution counts and
no outputs except the training cell's stream of a few submissions.
"""

from __future__ import annotations

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

TEMPLATE_PATH = ROOT / "assignments" / "resnet_cifar10" / "template.ipynb"
COLAB_NAME = "pytorch_resnet.ipynb"

# --------------------------------------------------------------------------------------------
# The course's text and given code (seed 002), in the order of the notebook.
# --------------------------------------------------------------------------------------------

MD_INTRO = md(
    """
    # PyTorch

    In this notebook you will gain some hands-on experience with [PyTorch](https://pytorch.org/), one of the
    major frameworks for deep learning. To install PyTorch run
    `conda install pytorch torchvision cudatoolkit=10.1 -c pytorch`, with `cudatoolkit` set to whichever CUDA
    version you have installed (check with `nvcc --version`). Without an Nvidia GPU run
    `conda install pytorch torchvision cpuonly -c pytorch` instead; in that case we recommend using
    [Google Colab](https://colab.research.google.com/).

    You will start by re-implementing some common features of deep neural networks (dropout and batch
    normalization) and then implement a very popular modern architecture for image classification (ResNet)
    and improve its training loop.
    """
)

IMPORTS = code(
    """
    import copy
    import numpy as np
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    import torchvision
    import torchvision.transforms as transforms
    """
)

MD_DROPOUT = md(
    r"""
    ## 1. Dropout

    Dropout is a form of regularization for neural networks. It works by randomly setting activations
    (values) to 0, each one with equal probability `p`. The values are then scaled by a factor
    $\frac{1}{1-p}$ to conserve their mean.

    Dropout effectively trains a pseudo-ensemble of models with stochastic gradient descent. During
    evaluation we want to use the full ensemble and therefore have to turn off dropout. Use
    `self.training` to check if the model is in training or evaluation mode.

    **Do not use any dropout implementation from PyTorch for this!**
    """
)

DROPOUT_HEAD = '''
class Dropout(nn.Module):
    """
    Dropout, as discussed in the lecture and described here:
    https://pytorch.org/docs/stable/nn.html#torch.nn.Dropout

    Args:
        p: float, dropout probability
    """
    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, input):
        """
        The module's forward pass.
        This has to be implemented for every PyTorch module.
        PyTorch then automatically generates the backward pass
        by dynamically generating the computational graph during
        execution.

        Args:
            input: PyTorch tensor, arbitrary shape

        Returns:
            PyTorch tensor, same shape as input
        """
        # TODO: Set values randomly to 0.
'''

DROPOUT_STUB = code(DROPOUT_HEAD)

TEST_DROPOUT = code(
    """
    # Test dropout
    test = torch.ones(10_000)
    dropout = Dropout(0.5)
    test_dropped = dropout(test)

    # These assertions can in principle fail due to bad luck, but
    # if implemented correctly they should almost always succeed.
    assert np.isclose(test_dropped.sum().item(), 10_000, atol=400)
    assert np.isclose((test_dropped > 0).sum().item(), 5_000, atol=200)
    """
)

MD_BATCHNORM = md(
    r"""
    ## 2. Batch normalization

    Batch normalization is a trick used to smoothen the loss landscape and improve training. It is defined
    as the function
    $$y = \frac{x - \mu_x}{\sigma_x + \epsilon} \cdot \gamma + \beta$$
    where $\gamma$ and $\beta$ are learnable parameters and $\epsilon$ is some small number to avoid
    dividing by zero. The statistics $\mu_x$ and $\sigma_x$ are taken separately for each feature. In a CNN
    this means averaging over the batch and all pixels.

    **Do not use any batch normalization implementation from PyTorch for this!**
    """
)

BATCHNORM_INIT_HEAD = '''
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
'''

BATCHNORM_FORWARD_HEAD = '''
    def forward(self, input):
        """
        Batch normalization over the dimension C of (N, C, L).

        Args:
            input: PyTorch tensor, shape [N, C, L]

        Return:
            PyTorch tensor, same shape as input
        """
'''

BATCHNORM_STUB = code(
    BATCHNORM_INIT_HEAD
    + BATCHNORM_FORWARD_HEAD
    + "        # TODO: Implement the required transformation\n"
)

TEST_BATCHNORM = code(
    """
    # Tests the batch normalization implementation
    torch.random.manual_seed(42)
    test = torch.randn(8, 2, 4)

    b1 = BatchNorm(2)
    test_b1 = b1(test)

    b2 = nn.BatchNorm1d(2, affine=False, track_running_stats=False)
    test_b2 = b2(test)

    assert torch.allclose(test_b1, test_b2, rtol=0.02)
    """
)

MD_RESNET = md(
    """
    ## 3. ResNet

    ResNet is the model that first introduced residual connections (a form of skip connections). It is a
    rather simple, but successful and very popular architecture. In this part of the exercise we will
    re-implement it step by step.

    Note that there is also an [improved version of ResNet](https://arxiv.org/abs/1603.05027) with optimized
    residual blocks. Here we will implement the [original version](https://arxiv.org/abs/1512.03385) for
    CIFAR-10. Your dropout and batchnorm implementations won't help you here. Just use PyTorch's own layers.
    """
)

MD_LAMBDA = md(
    """
    This is just a convenience function to make e.g. `nn.Sequential` more flexible. It is e.g. useful in
    combination with `x.squeeze()`.
    """
)

LAMBDA = code(
    """
    class Lambda(nn.Module):
        def __init__(self, func):
            super().__init__()
            self.func = func

        def forward(self, x):
            return self.func(x)
    """
)

MD_BLOCK = md(
    """
    We begin by implementing the residual blocks. The block is illustrated by this sketch: the input goes
    through a 3x3 convolution, batch normalization and ReLU, then a second 3x3 convolution and batch
    normalization; the skip connection is added to the result, followed by a final ReLU.

    Note that we use 'SAME' padding, no bias, and batch normalization after each convolution. You do not
    need `nn.Sequential` here. The skip connection is already implemented as `self.skip`. It can handle
    different strides and increases in the number of channels.
    """
)

BLOCK_HEAD = '''
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
'''

BLOCK_STUB = code(
    BLOCK_HEAD
    + """
    def forward(self, input):
        # TODO: Execute the required layers and functions
        pass
"""
)

MD_STACK = md(
    """
    Next we implement a stack of residual blocks for convenience. The first layer in the block is the one
    changing the number of channels and downsampling. You can use `nn.ModuleList` to use a list of child
    modules.
    """
)

STACK_HEAD = '''
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
'''

STACK_STUB = code(
    STACK_HEAD
    + """
    def forward(self, input):
        # TODO: Execute the layers (blocks)
        pass
"""
)

MD_MODEL = md(
    """
    Now we are finally ready to implement the full model! To do this, use the `nn.Sequential` API and
    carefully read the following paragraph from the paper (Fig. 3 is not important):

    > The first layer is 3×3 convolutions. Then we use a stack of 6n layers with 3×3 convolutions on the
    > feature maps of sizes {32, 16, 8} respectively, with 2n layers for each feature map size. The numbers
    > of filters are {16, 32, 64} respectively. The subsampling is performed by convolutions with a stride
    > of 2. The network ends with a global average pooling, a 10-way fully-connected layer, and softmax.
    > There are totally 6n+2 stacked weighted layers.

    Note that a convolution layer is always convolution + batch norm + activation (ReLU), that each
    ResidualBlock contains 2 layers, and that you might have to squeeze the embedding before the dense
    (fully-connected) layer.
    """
)

RESNET_HEAD = """
n = 5
num_classes = 10

# TODO: Implement ResNet via nn.Sequential
"""

RESNET_STUB = code(RESNET_HEAD + "resnet = nn.Sequential(\n)\n")

MD_INIT = md("Next we need to initialize the weights of our model.")

INIT = code(
    """
    def initialize_weight(module):
        if isinstance(module, (nn.Linear, nn.Conv2d)):
            nn.init.kaiming_normal_(module.weight, nonlinearity='relu')
        elif isinstance(module, nn.BatchNorm2d):
            nn.init.constant_(module.weight, 1)
            nn.init.constant_(module.bias, 0)

    resnet.apply(initialize_weight);
    """
)

MD_TRAINING = md(
    """
    ## 4. Training

    So now we have a shiny new model, but that doesn't really help when we can't train it. So that's what we
    do next.

    First we need to load the data. Note that we split the official training data into train and validation
    sets, because you must not look at the test set until you are completely done developing your model and
    report the final results. Some people don't do this properly, but you should not copy other people's bad
    habits.
    """
)

SUBSET = code(
    '''
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
    '''
)

MD_TRANSFORMS = md(
    """
    We next define transformations that change the images into PyTorch tensors, standardize the values
    according to the precomputed mean and standard deviation, and provide data augmentation for the
    training set.
    """
)

DATA = code(
    """
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
    """
)

MD_DEVICE = md("Next we push the model to our GPU (if there is one).")

DEVICE = code(
    """
    device = torch.device('cuda') if torch.cuda.is_available() else torch.device('cpu')
    resnet.to(device);
    """
)

MD_RUN_EPOCH = md(
    """
    Next we define a helper method that does one epoch of training or evaluation. We have only defined
    training here, so you need to implement the necessary changes for evaluation!
    """
)

RUN_EPOCH_DOC = '''
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
'''

RUN_EPOCH_STUB = code(
    RUN_EPOCH_DOC
    + """
    # TODO: Change the necessary parts to work correctly during evaluation (train=False)

    device = next(model.parameters()).device

    # Set model to training mode (for e.g. batch normalization, dropout)
    model.train()

    epoch_loss = 0.0
    epoch_acc = 0.0

    # Iterate over data
    for xb, yb in dataloader:
        xb, yb = xb.to(device), yb.to(device)

        # zero the parameter gradients
        optimizer.zero_grad()

        # forward
        with torch.set_grad_enabled(True):
            pred = model(xb)
            loss = F.cross_entropy(pred, yb)
            top1 = torch.argmax(pred, dim=1)
            ncorrect = torch.sum(top1 == yb)

            # backward + optimize only if in training phase
            loss.backward()
            optimizer.step()

        # statistics
        epoch_loss += loss.item()
        epoch_acc += ncorrect.item()

    epoch_loss /= len(dataloader.dataset)
    epoch_acc /= len(dataloader.dataset)
    return epoch_loss, epoch_acc
"""
)

MD_FIT = md(
    """
    Next we implement a method for fitting (training) our model. For many models early stopping can save a
    lot of training time. Your task is to add early stopping to the loop (based on validation accuracy).
    Early stopping usually means exiting the training loop if the validation accuracy hasn't improved for
    `patience` number of steps. Don't forget to save the best model parameters according to validation
    accuracy. You will need `copy.deepcopy` and the `state_dict` for this.
    """
)

FIT_DOC = '''
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
'''

FIT_LOOP_HEAD = """
    for epoch in range(max_epochs):
        train_loss, train_acc = run_epoch(model, optimizer, dataloaders['train'], train=True)
        lr_scheduler.step()
        print(f"Epoch {epoch + 1: >3}/{max_epochs}, train loss: {train_loss:.2e}, accuracy: {train_acc * 100:.2f}%")

        val_loss, val_acc = run_epoch(model, None, dataloaders['val'], train=False)
        print(f"Epoch {epoch + 1: >3}/{max_epochs}, val loss: {val_loss:.2e}, accuracy: {val_acc * 100:.2f}%")

        # TODO: Add early stopping and save the best weights (in best_model_weights)
"""

FIT_STUB = code(
    FIT_DOC
    + """
    best_acc = 0
    curr_patience = 0
"""
    + FIT_LOOP_HEAD
    + """
    model.load_state_dict(best_model_weights)
"""
)

MD_SGD = md(
    """
    In most cases you should just use the Adam optimizer for training, because it works well out of the box.
    However, a well-tuned SGD (with momentum) will in most cases outperform Adam. And since the original
    paper gives us a well-tuned SGD we will just use that.
    """
)

OPTIMIZER = """
optimizer = torch.optim.SGD(resnet.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
lr_scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[100, 150], gamma=0.1)
"""

TRAIN = code(OPTIMIZER + "\n# Fit model\nfit(resnet, optimizer, lr_scheduler, dataloaders, max_epochs=200, patience=50)\n")

MD_TEST = md(
    """
    Once the model is trained we run it on the test set to obtain our final accuracy. Note that we can only
    look at the test set once, everything else would lead to overfitting. So you _must_ ignore the test set
    while developing your model!
    """
)

TEST_EVAL = code(
    """
    test_loss, test_acc = run_epoch(resnet, None, dataloaders['test'], train=False)
    print(f"Test loss: {test_loss:.1e}, accuracy: {test_acc * 100:.2f}%")
    """
)

MD_OUTRO = md(
    """
    That's almost what was reported in the paper (92.49%) and we didn't even train on the full training set.

    ## Optional task: Squeeze out all the juice!

    Can you do even better? Have a look at
    [A Recipe for Training Neural Networks](https://karpathy.github.io/2019/04/25/recipe/) and at the
    [EfficientNet blog post](https://ai.googleblog.com/2019/05/efficientnet-improving-accuracy-and.html) we
    discussed in the lecture. Play around with the possibilities PyTorch offers you and see how close you can
    get to the [state of the art on CIFAR-10](https://paperswithcode.com/sota/image-classification-on-cifar-10).

    Hint: You can use [Google Colab](https://colab.research.google.com/) to access some free GPUs for your
    experiments.
    """
)

# The notebook, in order: (name, cell).  Names let a submission swap or surround a cell.
TEMPLATE: list[tuple[str, Cell]] = [
    ("md_intro", MD_INTRO),
    ("imports", IMPORTS),
    ("md_dropout", MD_DROPOUT),
    ("Dropout", DROPOUT_STUB),
    ("test_dropout", TEST_DROPOUT),
    ("md_batchnorm", MD_BATCHNORM),
    ("BatchNorm", BATCHNORM_STUB),
    ("test_batchnorm", TEST_BATCHNORM),
    ("md_resnet", MD_RESNET),
    ("md_lambda", MD_LAMBDA),
    ("lambda", LAMBDA),
    ("md_block", MD_BLOCK),
    ("ResidualBlock", BLOCK_STUB),
    ("md_stack", MD_STACK),
    ("ResidualStack", STACK_STUB),
    ("md_model", MD_MODEL),
    ("resnet", RESNET_STUB),
    ("md_init", MD_INIT),
    ("init", INIT),
    ("md_training", MD_TRAINING),
    ("subset", SUBSET),
    ("md_transforms", MD_TRANSFORMS),
    ("data", DATA),
    ("md_device", MD_DEVICE),
    ("device", DEVICE),
    ("md_run_epoch", MD_RUN_EPOCH),
    ("run_epoch", RUN_EPOCH_STUB),
    ("md_fit", MD_FIT),
    ("fit", FIT_STUB),
    ("md_sgd", MD_SGD),
    ("train", TRAIN),
    ("md_test", MD_TEST),
    ("test_eval", TEST_EVAL),
    ("md_outro", MD_OUTRO),
]


# --------------------------------------------------------------------------------------------
# Surroundings a student adds on Colab.
# --------------------------------------------------------------------------------------------

COLAB_MOUNT = code(
    """
    from google.colab import drive
    drive.mount('/content/drive')
    """
)
PIP = code(
    """
    !pip install torchvision
    !nvidia-smi
    """
)
MATPLOTLIB = code(
    """
    %matplotlib inline
    import matplotlib.pyplot as plt
    """
)
DOWNLOAD = code(
    """
    %cd /content/drive/MyDrive/ml/exercise_10
    !mkdir -p data
    !wget -nc -q https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz -P data
    !tar -xzf data/cifar-10-python.tar.gz -C data
    """
)
PEEK_DATA = code(
    """
    # look at a few training images
    images, labels = next(iter(dataloaders['train']))
    grid = torchvision.utils.make_grid(images[:16], nrow=8, normalize=True)
    plt.figure(figsize=(12, 3))
    plt.imshow(grid.permute(1, 2, 0))
    plt.axis('off')
    print([datasets['train'].classes[l] for l in labels[:16]])
    """
)


FULL_TRAIN_LOG = stream(
    """
    Epoch   1/200, train loss: 1.38e-02, accuracy: 36.71%
    Epoch   1/200, val loss: 3.42e-03, accuracy: 43.86%
    Epoch   2/200, train loss: 9.51e-03, accuracy: 56.20%
    Epoch   2/200, val loss: 2.61e-03, accuracy: 56.02%
    Epoch   3/200, train loss: 7.37e-03, accuracy: 66.58%
    Epoch   3/200, val loss: 1.99e-03, accuracy: 65.84%
    Epoch   4/200, train loss: 6.04e-03, accuracy: 72.95%
    Epoch   4/200, val loss: 1.70e-03, accuracy: 70.60%
    """
)

SEED_TRAIN_LOG = stream(
    """
    Epoch 172/200, val loss: 3.15e-03, accuracy: 93.16%
    Epoch 173/200, train loss: 2.84e-05, accuracy: 99.95%
    Epoch 173/200, val loss: 3.09e-03, accuracy: 93.34%
    Epoch 174/200, train loss: 2.76e-05, accuracy: 99.95%
    Epoch 174/200, val loss: 3.15e-03, accuracy: 93.14%
    Epoch 175/200, train loss: 2.97e-05, accuracy: 99.93%
    Epoch 175/200, val loss: 3.14e-03, accuracy: 93.12%
    Epoch 176/200, train loss: 3.02e-05, accuracy: 99.93%
    Epoch 176/200, val loss: 3.12e-03, accuracy: 93.14%
    """
)


def train_with_time(call: str, log: dict) -> Cell:
    return code("%%time\n" + OPTIMIZER.strip("\n") + "\n\n# Fit model\n" + call, outputs=(log,), execution_count=18)


PLOT_HISTORY = code(
    """
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(12, 4))
    ax_loss.plot(history['train_loss'], label='train')
    ax_loss.plot(history['val_loss'], label='val')
    ax_loss.set_yscale('log')
    ax_loss.set_xlabel('epoch')
    ax_loss.legend()
    ax_acc.plot(history['train_acc'], label='train')
    ax_acc.plot(history['val_acc'], label='val')
    ax_acc.set_xlabel('epoch')
    ax_acc.legend()
    plt.show()
    """
)


# --------------------------------------------------------------------------------------------
# Full-marks answers.
# --------------------------------------------------------------------------------------------

FULL_DROPOUT = code(
    DROPOUT_HEAD
    + """        if not self.training:
            return input
        keep_prob = 1 - self.p
        mask = torch.bernoulli(torch.full_like(input, keep_prob))
        return input * mask / keep_prob
"""
)

FULL_BATCHNORM = code(
    BATCHNORM_INIT_HEAD
    + """        self.num_features = num_features
        self.eps = 1e-5
        self.gamma = nn.Parameter(torch.ones(num_features))
        self.beta = nn.Parameter(torch.zeros(num_features))
"""
    + BATCHNORM_FORWARD_HEAD
    + """        # TODO: Implement the required transformation
        mean = input.mean(dim=(0, 2), keepdim=True)
        var = input.var(dim=(0, 2), unbiased=False, keepdim=True)
        x_hat = (input - mean) / torch.sqrt(var + self.eps)
        return x_hat * self.gamma.view(1, -1, 1) + self.beta.view(1, -1, 1)
"""
)

FULL_BLOCK = code(
    BLOCK_HEAD
    + """        self.conv1 = nn.Conv2d(in_channels, out_channels, kernel_size=3, stride=stride,
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
"""
)

FULL_STACK = code(
    STACK_HEAD
    + """        blocks = [ResidualBlock(in_channels, out_channels, stride)]
        for _ in range(num_blocks - 1):
            blocks.append(ResidualBlock(out_channels, out_channels, 1))
        self.blocks = nn.ModuleList(blocks)

    def forward(self, input):
        # TODO: Execute the layers (blocks)
        x = input
        for block in self.blocks:
            x = block(x)
        return x
"""
)

FULL_RESNET = code(
    RESNET_HEAD
    + """resnet = nn.Sequential(
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
"""
)

FULL_RUN_EPOCH = code(
    RUN_EPOCH_DOC
    + """
    # TODO: Change the necessary parts to work correctly during evaluation (train=False)

    device = next(model.parameters()).device

    # Training mode for training, evaluation mode (batch norm statistics) otherwise
    if train:
        model.train()
    else:
        model.eval()

    epoch_loss = 0.0
    epoch_acc = 0.0

    # Iterate over data
    for xb, yb in dataloader:
        xb, yb = xb.to(device), yb.to(device)

        if train:
            # zero the parameter gradients
            optimizer.zero_grad()

        # forward, tracking gradients only when training
        with torch.set_grad_enabled(train):
            pred = model(xb)
            loss = F.cross_entropy(pred, yb)
            top1 = torch.argmax(pred, dim=1)
            ncorrect = torch.sum(top1 == yb)

            # backward + optimize only if in training phase
            if train:
                loss.backward()
                optimizer.step()

        # statistics
        epoch_loss += loss.item()
        epoch_acc += ncorrect.item()

    epoch_loss /= len(dataloader.dataset)
    epoch_acc /= len(dataloader.dataset)
    return epoch_loss, epoch_acc
"""
)

FULL_FIT = code(
    FIT_DOC
    + """
    best_acc = 0
    curr_patience = 0
    best_model_weights = copy.deepcopy(model.state_dict())
    history = {'train_loss': [], 'train_acc': [], 'val_loss': [], 'val_acc': []}
"""
    + FIT_LOOP_HEAD
    + """        history['train_loss'].append(train_loss)
        history['train_acc'].append(train_acc)
        history['val_loss'].append(val_loss)
        history['val_acc'].append(val_acc)

        if val_acc > best_acc:
            best_acc = val_acc
            best_model_weights = copy.deepcopy(model.state_dict())
            curr_patience = 0
        else:
            curr_patience += 1
            if curr_patience >= patience:
                print(f"No improvement for {patience} epochs, stopping early.")
                break

    model.load_state_dict(best_model_weights)
    return history
"""
)

FULL_ANSWERS = {
    "Dropout": FULL_DROPOUT,
    "BatchNorm": FULL_BATCHNORM,
    "ResidualBlock": FULL_BLOCK,
    "ResidualStack": FULL_STACK,
    "resnet": FULL_RESNET,
    "run_epoch": FULL_RUN_EPOCH,
    "fit": FULL_FIT,
    "train": train_with_time(
        "history = fit(resnet, optimizer, lr_scheduler, dataloaders, max_epochs=200, patience=50)",
        FULL_TRAIN_LOG,
    ),
}


# --------------------------------------------------------------------------------------------
# The seed student's answers (seed 002), reconstructed where the PDF dump cut lines off.
# --------------------------------------------------------------------------------------------

SEED_DROPOUT = code(
    DROPOUT_HEAD
    + """        if self.training:
            scalar = 1/(1-self.p)
            N = len(input)
            probabilities = torch.from_numpy(np.random.binomial(1, 1-self.p, N)*scalar)
            return torch.mul(input, probabilities)
        else:
            return input
"""
)

SEED_BATCHNORM = code(
    BATCHNORM_INIT_HEAD
    + """        self.gamma = nn.Parameter(torch.ones(num_features))
        self.beta = nn.Parameter(torch.zeros(num_features))
        self.num_features = num_features
"""
    + BATCHNORM_FORWARD_HEAD
    + """        eps = 1e-5

        # TODO: Implement the required transformation
        mean_sub = input - input.mean(dim=[0,2]).view(1,2,1)
        var_e = np.sqrt(input.var(dim=[0,2]).view(1,2,1) + eps)
        return (mean_sub/var_e)*self.gamma[:,None]+self.beta[:,None]
"""
)

SEED_BLOCK = code(
    BLOCK_HEAD
    + """        self.conv1 = nn.Conv2d(in_channels, out_channels, kernel_size=3, stride=stride, padding=1, bias=False)
        self.batchNormalization1 = nn.BatchNorm2d(out_channels)
        self.activation_function = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(out_channels, out_channels, kernel_size=3, stride=1, padding=1, bias=False)
        self.batchNormalization2 = nn.BatchNorm2d(out_channels)

    def forward(self, input):
        # TODO: Execute the required layers and functions
        x = self.conv1(input)
        x = self.batchNormalization1(x)
        x = self.activation_function(x)
        x = self.conv2(x)
        x = self.batchNormalization2(x)
        x += self.skip(input)
        x = self.activation_function(x)
        return x
"""
)

SEED_STACK = code(
    STACK_HEAD
    + """        self.blocks = nn.ModuleList([ResidualBlock(in_channels, out_channels, stride)])
        for _ in range(num_blocks-1):
            self.blocks.append(ResidualBlock(out_channels, out_channels))

    def forward(self, input):
        # TODO: Execute the layers (blocks)
        for block in self.blocks:
            input = block(input)
        return input
"""
)

SEED_RESNET = code(
    RESNET_HEAD
    + """resnet = nn.Sequential(
    ResidualStack(3,16,1,1),

    ResidualStack(16,16,1,2*n),
    ResidualStack(16,32,2,2*n),
    ResidualStack(32,64,2,2*n),

    nn.AdaptiveAvgPool2d(1),
    Lambda(lambda x: torch.squeeze(x)),
    nn.Linear(64, num_classes)
)
"""
)

SEED_RUN_EPOCH = code(
    RUN_EPOCH_DOC
    + """
    # TODO: Change the necessary parts to work correctly during evaluation (train=False)
    model.zero_grad()
    device = next(model.parameters()).device

    # Set model to training mode (for e.g. batch normalization, dropout)

    epoch_loss = 0.0
    epoch_acc = 0.0
    model.train() if train == True else model.eval()

    for xb, yb in dataloader:
        xb, yb = xb.to(device), yb.to(device)
        if train == True:
            # zero the parameter gradients
            optimizer.zero_grad()

        # forward
        with torch.set_grad_enabled(True):
            pred = model(xb)
            loss = F.cross_entropy(pred, yb)
            top1 = torch.argmax(pred, dim=1)
            ncorrect = torch.sum(top1 == yb)
            if train == True:
                loss.backward()
                optimizer.step()

        # statistics
        epoch_loss += loss.item()
        epoch_acc += ncorrect.item()

    epoch_loss /= len(dataloader.dataset)
    epoch_acc /= len(dataloader.dataset)
    return epoch_loss, epoch_acc
"""
)

SEED_FIT = code(
    FIT_DOC
    + """
    best_acc = 0
    curr_patience = 0
"""
    + FIT_LOOP_HEAD
    + """        if best_acc < val_acc:
            best_model_weights = copy.deepcopy(model.state_dict())
            best_acc = val_acc
            curr_patience = 0
        else:
            curr_patience += 1

        if(curr_patience >= patience or epoch == max_epochs):
            break

    print(best_model_weights)
    model.load_state_dict(best_model_weights)
"""
)

SEED_PLOT = code(
    """
    # validation accuracy of the last epochs, copied from the log above
    val_acc_log = [93.16, 93.34, 93.14, 93.12, 93.14, 93.10, 93.22, 93.28, 93.32, 93.34]
    plt.plot(range(172, 182), val_acc_log)
    plt.xlabel('epoch')
    plt.ylabel('val accuracy (%)')
    plt.show()
    """
)

LOG_PLOT = code(
    """
    # validation accuracy per epoch, typed in from the training log
    val_acc_log = [43.86, 56.02, 65.84, 70.60]
    plt.plot(range(1, len(val_acc_log) + 1), val_acc_log, marker='o')
    plt.xlabel('epoch')
    plt.ylabel('val accuracy (%)')
    plt.show()
    """
)

SEED_ANSWERS = {
    "Dropout": SEED_DROPOUT,
    "BatchNorm": SEED_BATCHNORM,
    "ResidualBlock": SEED_BLOCK,
    "ResidualStack": SEED_STACK,
    "resnet": SEED_RESNET,
    "run_epoch": SEED_RUN_EPOCH,
    "fit": SEED_FIT,
    "train": train_with_time(
        "fit(resnet, optimizer, lr_scheduler, dataloaders, max_epochs=200, patience=50)", SEED_TRAIN_LOG
    ),
}


# --------------------------------------------------------------------------------------------
# Dropout keeps units with probability p; two Dropout definitions; an unrelated syntax error.
# The other items are correct but written differently from the full-marks notebook.
# --------------------------------------------------------------------------------------------

KEEPS_P_DROPOUT_FIRST = code(
    DROPOUT_HEAD
    + """        if self.training:
            mask = torch.rand(input.shape) > self.p
            return input * mask
        return input
"""
)

KEEPS_P_DROPOUT_FINAL = code(
    '''
    # second try: the sum test above failed, the survivors have to be rescaled
    class Dropout(nn.Module):
        """Dropout with rescaling of the kept units."""
        def __init__(self, p):
            super().__init__()
            self.p = p

        def forward(self, input):
            if self.training:
                mask = (torch.rand_like(input) < self.p).float()
                return input * mask / (1 - self.p)
            else:
                return input
    '''
)

KEEPS_P_BATCHNORM = code(
    BATCHNORM_INIT_HEAD
    + """        self.gamma = nn.Parameter(torch.ones(1, num_features, 1))
        self.beta = nn.Parameter(torch.zeros(1, num_features, 1))
"""
    + BATCHNORM_FORWARD_HEAD
    + """        eps = 1e-5
        # TODO: Implement the required transformation
        mu = input.mean(dim=[0, 2], keepdim=True)
        sigma = input.std(dim=[0, 2], keepdim=True)
        return self.gamma * (input - mu) / (sigma + eps) + self.beta
"""
)

KEEPS_P_BLOCK = code(
    BLOCK_HEAD
    + """        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=False)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.bn1 = nn.BatchNorm2d(out_channels)

    def forward(self, input):
        # TODO: Execute the required layers and functions
        h = F.relu(self.bn1(self.conv1(input)))
        h = self.bn2(self.conv2(h))
        return F.relu(h + self.skip(input))
"""
)

KEEPS_P_STACK = code(
    STACK_HEAD
    + """        self.blocks = nn.ModuleList()
        for i in range(num_blocks):
            if i == 0:
                self.blocks.append(ResidualBlock(in_channels, out_channels, stride))
            else:
                self.blocks.append(ResidualBlock(out_channels, out_channels))

    def forward(self, input):
        # TODO: Execute the layers (blocks)
        out = input
        for blk in self.blocks:
            out = blk(out)
        return out
"""
)

KEEPS_P_RESNET = code(
    RESNET_HEAD
    + """resnet = nn.Sequential(
    nn.Conv2d(3, 16, 3, padding=1, bias=False),
    nn.BatchNorm2d(16),
    nn.ReLU(),
    ResidualStack(16, 16, 1, n),
    ResidualStack(16, 32, 2, n),
    ResidualStack(32, 64, 2, n),
    nn.AdaptiveAvgPool2d((1, 1)),
    Lambda(lambda x: x.view(x.size(0), -1)),
    nn.Linear(64, num_classes)
)
"""
)

KEEPS_P_RUN_EPOCH = code(
    RUN_EPOCH_DOC
    + """
    # TODO: Change the necessary parts to work correctly during evaluation (train=False)

    device = next(model.parameters()).device

    # Set model to training mode (for e.g. batch normalization, dropout)
    model.train(train)

    epoch_loss = 0.0
    epoch_acc = 0.0

    # Iterate over data
    for xb, yb in dataloader:
        xb, yb = xb.to(device), yb.to(device)

        # forward
        with torch.set_grad_enabled(train):
            pred = model(xb)
            loss = F.cross_entropy(pred, yb)
            top1 = torch.argmax(pred, dim=1)
            ncorrect = torch.sum(top1 == yb)

        # backward + optimize only if in training phase
        if train:
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()

        # statistics
        epoch_loss += loss.item()
        epoch_acc += ncorrect.item()

    epoch_loss /= len(dataloader.dataset)
    epoch_acc /= len(dataloader.dataset)
    return epoch_loss, epoch_acc
"""
)

KEEPS_P_FIT = code(
    FIT_DOC
    + """
    best_acc = 0
    curr_patience = 0
"""
    + FIT_LOOP_HEAD
    + """        if val_acc >= best_acc:
            best_acc = val_acc
            curr_patience = 0
            best_model_weights = copy.deepcopy(model.state_dict())
        else:
            curr_patience += 1
        if curr_patience == patience:
            break

    model.load_state_dict(best_model_weights)
"""
)

SYNTAX_ERROR_CELL = code(
    """
    # how many images do we have?
    for name in ['train', 'val', 'test']:
        print name, len(datasets[name])
    """
)

KEEPS_P_ANSWERS = {
    "Dropout": KEEPS_P_DROPOUT_FIRST,
    "BatchNorm": KEEPS_P_BATCHNORM,
    "ResidualBlock": KEEPS_P_BLOCK,
    "ResidualStack": KEEPS_P_STACK,
    "resnet": KEEPS_P_RESNET,
    "run_epoch": KEEPS_P_RUN_EPOCH,
    "fit": KEEPS_P_FIT,
    "train": train_with_time(
        "fit(resnet, optimizer, lr_scheduler, dataloaders, max_epochs=200, patience=50)", FULL_TRAIN_LOG
    ),
}


# --------------------------------------------------------------------------------------------
# BatchNorm without eps, Dropout named MyDropout with an alias; exported as a percent-format .py.
# --------------------------------------------------------------------------------------------

NO_EPS_DROPOUT = code(
    '''
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
    '''
)

NO_EPS_BATCHNORM = code(
    BATCHNORM_INIT_HEAD
    + """        self.gamma = nn.Parameter(torch.ones(num_features))
        self.beta = nn.Parameter(torch.zeros(num_features))
"""
    + BATCHNORM_FORWARD_HEAD
    + """        # TODO: Implement the required transformation
        mean = input.mean(dim=(0, 2), keepdim=True)
        std = input.std(dim=(0, 2), keepdim=True)
        x = (input - mean) / std
        return x * self.gamma[None, :, None] + self.beta[None, :, None]
"""
)

NO_EPS_RUN_EPOCH = code(
    RUN_EPOCH_DOC
    + """
    # TODO: Change the necessary parts to work correctly during evaluation (train=False)

    device = next(model.parameters()).device

    if train:
        model.train()
    else:
        model.eval()

    total_loss = 0.0
    correct = 0

    for xb, yb in dataloader:
        xb, yb = xb.to(device), yb.to(device)
        with torch.set_grad_enabled(train):
            pred = model(xb)
            loss = F.cross_entropy(pred, yb)
        if train:
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        # per-sample loss: weight each batch mean by the batch size
        total_loss += loss.item() * xb.size(0)
        correct += (pred.argmax(dim=1) == yb).sum().item()

    n_samples = len(dataloader.dataset)
    return total_loss / n_samples, correct / n_samples
"""
)

NO_EPS_FIT = code(
    FIT_DOC
    + """
    best_acc = 0
    curr_patience = 0
    best_model_weights = None
"""
    + FIT_LOOP_HEAD
    + """        if val_acc > best_acc:
            best_acc, curr_patience = val_acc, 0
            best_model_weights = copy.deepcopy(model.state_dict())
        else:
            curr_patience += 1
        if curr_patience >= patience:
            print("Early stopping")
            break

    model.load_state_dict(best_model_weights)
"""
)

NO_EPS_ANSWERS = {
    "Dropout": NO_EPS_DROPOUT,
    "BatchNorm": NO_EPS_BATCHNORM,
    "ResidualBlock": FULL_BLOCK,
    "ResidualStack": FULL_STACK,
    "resnet": FULL_RESNET,
    "run_epoch": NO_EPS_RUN_EPOCH,
    "fit": NO_EPS_FIT,
    "train": train_with_time(
        "fit(resnet, optimizer, lr_scheduler, dataloaders, max_epochs=200, patience=50)", FULL_TRAIN_LOG
    ),
}


# --------------------------------------------------------------------------------------------
# Loop bugs: correct model code, the training-loop mistakes students make most.
# --------------------------------------------------------------------------------------------

LOOP_BUGS_RUN_EPOCH = code(
    RUN_EPOCH_DOC
    + """
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
"""
)

LOOP_BUGS_FIT = code(
    FIT_DOC
    + """
    best_acc = 0
    curr_patience = 0
"""
    + FIT_LOOP_HEAD
    + """        if val_acc > best_acc:
            best_acc = val_acc
            best_model_weights = model.state_dict()
            curr_patience = 0
        else:
            curr_patience += 1
            if curr_patience > patience:
                break

    model.load_state_dict(best_model_weights)
"""
)

LOOP_BUGS_ANSWERS = {
    "Dropout": NO_EPS_DROPOUT,
    "BatchNorm": FULL_BATCHNORM,
    "ResidualBlock": FULL_BLOCK,
    "ResidualStack": FULL_STACK,
    "resnet": FULL_RESNET,
    "run_epoch": LOOP_BUGS_RUN_EPOCH,
    "fit": LOOP_BUGS_FIT,
    "train": code("fit(resnet, optimizer, lr_scheduler, dataloaders, max_epochs=200, patience=50)"),
}


# --------------------------------------------------------------------------------------------
# Assembly.
# --------------------------------------------------------------------------------------------


def colab_surroundings(plot: Cell) -> dict:
    """What a Colab student adds around the course's cells."""
    return {
        "before": (COLAB_MOUNT, PIP, MATPLOTLIB),
        "after": {
            "imports": (DOWNLOAD,),
            "data": (PEEK_DATA,),
            "train": (plot,),
        },
    }


README_SECTION = """\
## resnet_cifar10 (seed 002)

Template: `assignments/resnet_cifar10/template.ipynb`.

- `resnet_cifar10_full_marks.ipynb`: Colab notebook (drive mount, `!pip`, `%matplotlib inline`, `%%time`
  training cell with output, download and plot cells, the template's asserts) with correct answers to all
  seven items: ResNet-32 with 464,154 parameters, `squeeze(3).squeeze(2)` so a batch of one keeps its shape,
  `fit` that returns a history. Expected: full marks, no failed check and no warning.
- `resnet_cifar10_seed_student.ipynb`: the seed student's answers (seed 002), reconstructed. Expected:
  Dropout fails `shape_dtype` (float64 output; a mask of length `len(input)` fits only 1-D input, so the
  multi-dimensional probes fail too) and `device_agnostic` (NumPy mask on the CPU); BatchNorm fails
  `output_shape`/`normalisation` and every other probe with C != 2 (`.view(1,2,1)`), and `gradients`
  (np.sqrt on a tensor that requires grad); ResidualBlock and ResidualStack pass; resnet fails
  (952,570 parameters instead of 464,154: a ResidualStack as the stem and 2n blocks per stack) and gets the
  zero-point bare-`squeeze()` warning; run_epoch fails its evaluation checks (gradients enabled in
  evaluation); fit passes (`epoch == max_epochs` is dead code, not a bug).
- `resnet_cifar10_dropout_keeps_p.ipynb`: Dropout is defined twice (the first, unscaled attempt is
  overridden by the second cell); the one that counts keeps each unit with probability p. Expected: Dropout
  fails `zero_fraction` and `p_zero_identity`, everything else full marks (it also exercises accepted
  variants: BatchNorm with (1, C, 1) parameters and unbiased std + eps on sigma, a block registering bn2
  before bn1, `model.train(train)` with `zero_grad()` after the step, `>=` and `== patience` in fit). A cell
  with a Python 2 `print` statement is a syntax error in an unrelated cell: it must be reported and
  skipped, costing nothing.
- `resnet_cifar10_batchnorm_no_eps.py`: a jupytext percent-format export (magics commented, `# %%time`
  inside the training cell is a commented magic, not a cell marker). BatchNorm has no eps. Expected:
  BatchNorm fails `constant_channel_finite` only; Dropout is found through the alias `Dropout = MyDropout`
  and gets full marks; run_epoch (per-sample loss convention) and the other items get full marks.
- `resnet_cifar10_loop_bugs.py`: a percent-format export with correct model code and the two training-loop
  mistakes students make most. run_epoch never calls `model.eval()` (it evaluates under `torch.no_grad()`,
  but batch norm and dropout stay in training mode): fails `model_mode`. fit breaks when
  `curr_patience > patience` (one epoch too many) and keeps `model.state_dict()` without a deep copy (the
  "best" weights follow the live model): fails `stops_after_patience` and `restores_best_weights`.
  Everything else full marks.
"""


def write_examples() -> None:
    """Write the template and the five example submissions."""
    write_notebook(TEMPLATE_PATH, notebook(assemble(TEMPLATE), "template"))

    full = assemble(TEMPLATE, FULL_ANSWERS, **colab_surroundings(PLOT_HISTORY))
    write_notebook(
        SUBMISSIONS / "resnet_cifar10_full_marks.ipynb", notebook(full, "full-marks", colab_name=COLAB_NAME)
    )

    seed = assemble(TEMPLATE, SEED_ANSWERS, **colab_surroundings(SEED_PLOT))
    write_notebook(
        SUBMISSIONS / "resnet_cifar10_seed_student.ipynb", notebook(seed, "seed-student", colab_name=COLAB_NAME)
    )

    keeps_p_surroundings = colab_surroundings(LOG_PLOT)
    keeps_p_surroundings["after"]["test_dropout"] = (KEEPS_P_DROPOUT_FINAL, TEST_DROPOUT)
    keeps_p_surroundings["after"]["data"] = (PEEK_DATA, SYNTAX_ERROR_CELL)
    keeps_p = assemble(TEMPLATE, KEEPS_P_ANSWERS, **keeps_p_surroundings)
    write_notebook(
        SUBMISSIONS / "resnet_cifar10_dropout_keeps_p.ipynb",
        notebook(keeps_p, "dropout-keeps-p", colab_name=COLAB_NAME),
    )

    no_eps = assemble(TEMPLATE, NO_EPS_ANSWERS, **colab_surroundings(LOG_PLOT))
    write(SUBMISSIONS / "resnet_cifar10_batchnorm_no_eps.py", percent_script(no_eps))

    loop_bugs = assemble(TEMPLATE, LOOP_BUGS_ANSWERS)
    write(SUBMISSIONS / "resnet_cifar10_loop_bugs.py", percent_script(loop_bugs))
