"""The mnist_logreg_cnn assignment (seed 003): its template and example submissions.

``write_examples()`` (re)writes

* ``assignments/mnist_logreg_cnn/template.ipynb``: the course's notebook, reconstructed from the
  students' report of seed 003 (gradient descent warm-up, MNIST with an MLP, Problem 1: logistic
  regression, Problem 2: dropout), with the given ``train`` still calling the global ``net``;
* ``submissions/mnist_logreg_cnn_full_marks.ipynb``: correct answers to the four items;
* ``submissions/mnist_logreg_cnn_seed_student.ipynb``: the seed students' answers, reconstructed;
* ``submissions/mnist_logreg_cnn_common_bugs.py``: a percent-format export with one common bug per item.

``README_SECTION`` is this assignment's part of ``submissions/README.md``.
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

TEMPLATE_PATH = ROOT / "assignments" / "mnist_logreg_cnn" / "template.ipynb"
COLAB_NAME = "TP3_NN_CNN_pytorch.ipynb"

# --------------------------------------------------------------------------------------------
# The course's notebook (seed 003), in order.  The seed is the students' report: the questions,
# the hyper-parameters and the given code are reconstructed from what the report quotes.
# --------------------------------------------------------------------------------------------

MD_TITLE = md(
    """
    # TP3: Neural networks and CNNs with PyTorch

    In this practical session we use PyTorch to train, on the MNIST digits, a multi layer perceptron, a
    multinomial logistic regression (Problem 1) and convolutional networks with dropout (Problem 2).

    Write your answers to the questions in markdown cells of this notebook, next to the code they refer to.
    """
)

IMPORTS = code(
    """
    import numpy as np
    import matplotlib.pyplot as plt
    import torch
    import torch.nn as nn
    import torch.optim as optim
    from torchvision import datasets, transforms
    """
)

MD_INTRODUCTION = md(
    r"""
    ## 1. Introduction

    PyTorch computes gradients for us (autograd). As a warm-up, the following block minimises
    $(1 - x^\top w)^2$ over $w \in \mathbb{R}^5$ with $x = (1, \dots, 1)^\top$ by gradient descent, starting
    from $w_0 = 0$.
    """
)

GRADIENT_DESCENT = code(
    """
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
    """
)

MD_INTRODUCTION_QUESTIONS = md(
    r"""
    **Question 1:** Solve the problem $\min_{w \in \mathbb{R}^5} (1 - x^\top w)^2$ with
    $x = (1, \dots, 1)^\top \in \mathbb{R}^5$ analytically and compare to the result of the Gradient Descent.

    **Question 2:** Recalling the theory of numerical optimization, what is the learning rate $\eta$ that we
    need to set to ensure the fastest convergence?

    **Question 3:** Explain the connection of `loss.backward()` and the backpropagation for feedforward
    neural nets.
    """
)

MD_MLP = md(
    """
    ## 2. Multi layer perceptron

    We now classify the MNIST digits (28x28 grey-level images, 10 classes). The official training set is split
    into a training set and a validation set; the test set is kept for the very end.
    """
)

HYPERPARAMETERS = code(
    """
    # Hyper-parameters
    input_size = 784     # 28 x 28 pixels
    output_size = 10     # 10 digits
    num_epochs = 2       # passes over the training data
    batch_size = 100
    lr = 0.001           # learning rate
    """
)

DATA = code(
    """
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
    """
)

MD_QUESTION_4 = md(
    """
    **Question 4:** Run the above block several times. Is it plotting the same number all the time? If not,
    why?
    """
)

LOADERS = code(
    """
    trainloader = torch.utils.data.DataLoader(trainset, batch_size=batch_size, shuffle=True)
    valloader = torch.utils.data.DataLoader(valset, batch_size=batch_size, shuffle=False)
    """
)

MD_MLP_MODEL = md("A multi layer perceptron with one hidden layer of 500 units:")

MLP = code(
    """
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
    """
)

MD_LOOPS = md(
    """
    `train` makes one pass over the training data and updates the weights after every batch; `validation`
    makes one pass over the validation data and returns the mean loss per batch and the accuracy.
    """
)

TRAIN_GIVEN = """
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
"""

TRAIN = code(TRAIN_GIVEN)

VALIDATION = code(
    """
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
    """
)

MLP_TRAINING = code(
    """
    # num_epochs indicates the number of passes over the data
    for epoch in range(num_epochs):

        # makes one pass over the train data and updates weights
        train(net, trainloader, criterion, optimizer, epoch, num_epochs)

        # makes one pass over validation data and provides validation statistics
        val_loss, val_acc = validation(net, valloader, criterion)
    """
)

MD_PROBLEM_1 = md(
    """
    ## 3. Problem 1: Logistic regression via pytorch

    Implement a multinomial logistic regression as a PyTorch module `MultinomialLogisticRegression(input_size,
    output_size)` taking a batch of images, train it with the functions above and evaluate it. Note that
    `nn.CrossEntropyLoss` combines `nn.LogSoftmax` and `nn.NLLLoss`. In your report, give:

    1. a mathematical description of logistic regression;
    2. a mathematical description of the optimization algorithm that you use;
    3. the high level idea of how to implement logistic regression with pytorch;
    4. the classification accuracy on test data.
    """
)

MLR_STUB = code(
    """
    # Add multinomial logistic regression
    class MultinomialLogisticRegression(nn.Module):
        def __init__(self, input_size, output_size):
            super().__init__()
            # YOUR CODE HERE
            raise NotImplementedError()

        def forward(self, x):
            # YOUR CODE HERE
            raise NotImplementedError()
    """
)

MLR_INIT = code(
    """
    # initializing our model/loss/optimizer
    MLR = MultinomialLogisticRegression(input_size, output_size)
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(MLR.parameters(), lr=lr)
    """
)

MLR_TRAINING = code(
    """
    # num_epochs indicates the number of passes over the data
    for epoch in range(num_epochs):

        # makes one pass over the train data and updates weights
        train(MLR, trainloader, criterion, optimizer, epoch, num_epochs)

        # makes one pass over validation data and provides validation statistics
        val_loss, val_acc = validation(MLR, valloader, criterion)
    """
)

MD_MLR_TEST = md("Report the classification accuracy on test data.")

MLR_TEST = code(
    """
    # Let us evaluate our net on the test set that we have never seen!
    testset = datasets.MNIST('data/',
                            download=True,
                            train=False,
                            transform=transforms.ToTensor())
    testloader = torch.utils.data.DataLoader(testset, batch_size=batch_size, shuffle=True)

    test_loss, test_acc = validation(MLR, testloader, criterion)
    print(f'Test accuracy: {test_acc}')
    """
)

MD_PROBLEM_2 = md(
    """
    ## 4. Problem 2: Dropout

    Here is a small convolutional network: one convolution (8 filters of size 5x5) with ReLU and max-pooling,
    then two fully connected layers. Train it and evaluate it on the test set.
    """
)

CONVNET = code(
    """
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
    """
)

CONVNET_TRAINING = code(
    """
    net = ConvNet()

    # Loss and optimizer
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(net.parameters(), lr=lr)

    for epoch in range(num_epochs):

        # makes one pass over the train data and updates weights
        train(net, trainloader, criterion, optimizer, epoch, num_epochs)

        # makes one pass over validation data and provides validation statistics
        val_loss, val_acc = validation(net, valloader, criterion)
    """
)

CONVNET_TEST = code(
    """
    test_loss, test_acc = validation(net, testloader, criterion)
    print(f'Test accuracy: {test_acc} | Test loss: {test_loss}')
    """
)

MD_CONVNET2 = md(
    """
    Dropout randomly sets units to zero during training to prevent overfitting. Write `ConvNet2`: `ConvNet`
    with dropout (`nn.Dropout`, probability 0.5) before its first fully connected layer. Train it and compare.
    You may try other architectures too. In your report, give:

    1. a high level description of the dropout;
    2. a high level description of your architecture;
    3. the classification accuracy on test data.
    """
)

CONVNET2_STUB = code(
    """
    class ConvNet2(nn.Module):
        def __init__(self):
            super().__init__()
            # YOUR CODE HERE
            raise NotImplementedError()

        def forward(self, x):
            # YOUR CODE HERE
            raise NotImplementedError()
    """
)

CONVNET2_TRAINING_BODY = """
# Loss and optimizer
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(net.parameters(), lr=lr)

for epoch in range(num_epochs):

    # makes one pass over the train data and updates weights
    train(net, trainloader, criterion, optimizer, epoch, num_epochs)

    # makes one pass over validation data and provides validation statistics
    val_loss, val_acc = validation(net, valloader, criterion)
"""

CONVNET2_TRAINING = code("net = ConvNet2()\n" + CONVNET2_TRAINING_BODY)

CONVNET2_TEST = code(CONVNET_TEST.source)

# The notebook, in order: (name, cell).  Names let a submission swap or surround a cell.
TEMPLATE: list[tuple[str, Cell]] = [
    ("md_title", MD_TITLE),
    ("imports", IMPORTS),
    ("md_introduction", MD_INTRODUCTION),
    ("gradient_descent", GRADIENT_DESCENT),
    ("md_introduction_questions", MD_INTRODUCTION_QUESTIONS),
    ("md_mlp", MD_MLP),
    ("hyperparameters", HYPERPARAMETERS),
    ("data", DATA),
    ("md_question_4", MD_QUESTION_4),
    ("loaders", LOADERS),
    ("md_mlp_model", MD_MLP_MODEL),
    ("mlp", MLP),
    ("md_loops", MD_LOOPS),
    ("train", TRAIN),
    ("validation", VALIDATION),
    ("mlp_training", MLP_TRAINING),
    ("md_problem_1", MD_PROBLEM_1),
    ("MultinomialLogisticRegression", MLR_STUB),
    ("mlr_init", MLR_INIT),
    ("mlr_training", MLR_TRAINING),
    ("md_mlr_test", MD_MLR_TEST),
    ("mlr_test", MLR_TEST),
    ("md_problem_2", MD_PROBLEM_2),
    ("ConvNet", CONVNET),
    ("convnet_training", CONVNET_TRAINING),
    ("convnet_test", CONVNET_TEST),
    ("md_convnet2", MD_CONVNET2),
    ("ConvNet2", CONVNET2_STUB),
    ("convnet2_training", CONVNET2_TRAINING),
    ("convnet2_test", CONVNET2_TEST),
]


# --------------------------------------------------------------------------------------------
# What students add, and the logs their runs print.
# --------------------------------------------------------------------------------------------

COLAB_MOUNT = code(
    """
    from google.colab import drive
    drive.mount('/content/drive')
    """
)
COLAB_SETUP = code(
    """
    !pip install -q torch torchvision
    %cd /content/drive/MyDrive/deep_learning/TP3
    %matplotlib inline
    """
)

TRAIN_FIXED = code(TRAIN_GIVEN.replace("outputs = net(inputs) #", "outputs = model(inputs)  #"))


def with_time(cell: Cell, log: dict, execution_count: int) -> Cell:
    """``cell`` run under ``%%time`` in Colab, with the log it printed."""
    return code("%%time\n" + cell.source, outputs=(log,), execution_count=execution_count)


def epoch_log(epochs: int, losses: list[list[float]], timing: str) -> dict:
    """What the course's ``train`` prints (every 100 of the 500 steps) under ``%%time``, then the timing."""
    lines = []
    for epoch, epoch_losses in enumerate(losses):
        for step, loss in zip(range(100, 501, 100), epoch_losses):
            lines.append(f"Epoch [{epoch + 1}/{epochs}], Step [{step}/500], Loss: {loss:.4f}")
    return stream("\n".join(lines) + "\n" + timing)


# --------------------------------------------------------------------------------------------
# Full marks: correct answers, written as a careful student on Colab writes them.
# --------------------------------------------------------------------------------------------

FULL_MLR = code(
    """
    # Add multinomial logistic regression
    class MultinomialLogisticRegression(nn.Module):
        def __init__(self, input_size, output_size):
            super().__init__()
            # YOUR CODE HERE
            # one affine map from the pixels to the 10 logits
            self.linear = nn.Linear(input_size, output_size)

        def forward(self, x):
            # YOUR CODE HERE
            x = x.reshape(x.shape[0], -1)  # (N, 1, 28, 28) -> (N, 784)
            # no softmax here: nn.CrossEntropyLoss applies log-softmax itself
            return self.linear(x)
    """
)

FULL_CONVNET2 = code(
    """
    class ConvNet2(nn.Module):
        \"\"\"ConvNet with dropout (p = 0.5) on the flattened feature maps, before the first linear layer.\"\"\"
        def __init__(self):
            super().__init__()
            self.layer1 = nn.Sequential(
                nn.Conv2d(1, 8, kernel_size=5, stride=1, padding=2),
                nn.ReLU(),
                nn.MaxPool2d(kernel_size=2, stride=2))
            self.drop_out = nn.Dropout(p=0.5)
            self.fc1 = nn.Linear(14 * 14 * 8, 500)
            self.fc2 = nn.Linear(500, 10)

        def forward(self, x):
            out = self.layer1(x)
            out = out.reshape(out.size(0), -1)
            out = self.drop_out(out)
            out = torch.relu(self.fc1(out))
            out = self.fc2(out)
            return out
    """
)

FULL_CONVNET3 = code(
    """
    # not asked: two convolution blocks, dropout before each linear layer
    class ConvNet3(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(
                nn.Conv2d(1, 16, kernel_size=5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(16, 32, kernel_size=5, padding=2), nn.ReLU(), nn.MaxPool2d(2))
            self.classifier = nn.Sequential(
                nn.Dropout(0.5), nn.Linear(7 * 7 * 32, 256), nn.ReLU(),
                nn.Dropout(0.5), nn.Linear(256, 10))

        def forward(self, x):
            x = self.features(x)
            return self.classifier(x.flatten(1))
    """
)

MLR_LOG = epoch_log(
    2,
    [[2.0912, 1.8933, 1.7015, 1.5824, 1.4531], [1.3892, 1.2746, 1.1986, 1.1407, 1.0633]],
    "CPU times: user 20.1 s, sys: 311 ms, total: 20.4 s\nWall time: 22.4 s",
)
CONVNET_LOG = epoch_log(
    2,
    [[0.3528, 0.2481, 0.1522, 0.1367, 0.0941], [0.0573, 0.0826, 0.0437, 0.0619, 0.0384]],
    "CPU times: user 1min 36s, sys: 1.42 s, total: 1min 37s\nWall time: 1min 41s",
)
CONVNET2_LOG = epoch_log(
    2,
    [[0.4127, 0.2653, 0.2078, 0.1183, 0.1359], [0.0892, 0.0647, 0.1051, 0.0539, 0.0716]],
    "CPU times: user 1min 43s, sys: 1.57 s, total: 1min 45s\nWall time: 1min 49s",
)

FULL_ANSWERS_Q1_3 = md(
    r"""
    **Answer 1.** $(1 - x^\top w)^2 \geq 0$ and it is $0$ exactly when $x^\top w = w_1 + \dots + w_5 = 1$: every
    such $w$ is a minimum (a whole hyperplane of them). Gradient descent from $w_0 = 0$ moves along
    $\nabla f(w) = -2(1 - x^\top w)\,x$, i.e. along $x$, so it stays on the line $w = t x$ and converges to
    $w = (0.2, 0.2, 0.2, 0.2, 0.2)$, the minimum of smallest norm, as printed above.

    **Answer 2.** $f$ is quadratic with Hessian $2 x x^\top$, whose largest eigenvalue is $L = 2\|x\|^2 = 10$.
    The step $\eta = 1/L = 0.1$ reaches the minimum in one step (here $x^\top w_{k+1} - 1 =
    (1 - 2\eta\|x\|^2)(x^\top w_k - 1)$); any $\eta < 2/L = 0.2$ converges, $\eta \geq 0.2$ does not.

    **Answer 3.** `loss.backward()` runs backpropagation: autograd recorded the graph of operations of the
    forward pass, and `backward` walks it from the loss to the inputs applying the chain rule, layer by layer,
    accumulating $\partial \text{loss} / \partial w$ into `w.grad` for every tensor with `requires_grad=True`.
    """
)

FULL_ANSWER_Q4 = md(
    """
    **Answer 4.** No: `random_split` draws a new random permutation of the 60,000 images every time the block
    runs, so `trainset[0]` is a different image. Passing `generator=torch.Generator().manual_seed(0)` makes the
    split reproducible.
    """
)

FULL_REPORT_PROBLEM_1 = md(
    r"""
    **Report, Problem 1.**

    1. For an image flattened to $x \in \mathbb{R}^{784}$ the model computes the logits $z = W x + b$
       ($W \in \mathbb{R}^{10 \times 784}$, $b \in \mathbb{R}^{10}$) and the class probabilities
       $p = \mathrm{softmax}(z)$, $p_k = e^{z_k} / \sum_j e^{z_j}$. It is trained by minimising the mean
       cross-entropy $-\frac{1}{N}\sum_i \log p_{y_i}(x_i)$.
    2. Mini-batch stochastic gradient descent: for each batch of 100 images,
       $(W, b) \leftarrow (W, b) - \eta \nabla \ell_{\text{batch}}(W, b)$ with $\eta = 0.001$, the gradient
       computed by backpropagation; 2 epochs.
    3. One `nn.Linear(784, 10)` whose forward flattens the batch; no softmax in the module, because
       `nn.CrossEntropyLoss` takes the logits and applies log-softmax itself. Note: the given `train` called
       the global `net` (the MLP) instead of its argument `model`; fixed above.
    4. Test accuracy after 2 epochs: 83.4 % (a slow learning rate for SGD: more epochs would help).
    """
)

FULL_REPORT_PROBLEM_2 = md(
    """
    **Report, Problem 2.**

    1. During training, dropout sets each unit of its input to zero with probability p (here 0.5) and scales
       the others by 1/(1 - p); a different random sub-network is trained at each step, so units cannot rely on
       each other (less overfitting). In evaluation mode (`model.eval()`) it is the identity.
    2. `ConvNet2` is `ConvNet` with `nn.Dropout(0.5)` on the flattened feature maps, i.e. on the input of the
       first fully connected layer (784,500 of the network's 789,718 parameters).
    3. Test accuracy: 98.4 % for `ConvNet2` against 98.3 % for `ConvNet`; with 2 epochs there is hardly any
       overfitting for dropout to remove.
    """
)

FULL_ANSWERS = {
    "train": TRAIN_FIXED,
    "MultinomialLogisticRegression": FULL_MLR,
    "mlr_training": with_time(MLR_TRAINING, MLR_LOG, 9),
    "mlr_test": code(MLR_TEST.source, outputs=(stream("Test accuracy: 0.8342"),), execution_count=10),
    "convnet_training": with_time(CONVNET_TRAINING, CONVNET_LOG, 12),
    "convnet_test": code(
        CONVNET_TEST.source, outputs=(stream("Test accuracy: 0.9831 | Test loss: 0.05127318147942424"),),
        execution_count=13,
    ),
    "ConvNet2": FULL_CONVNET2,
    "convnet2_training": with_time(CONVNET2_TRAINING, CONVNET2_LOG, 15),
    "convnet2_test": code(
        CONVNET2_TEST.source, outputs=(stream("Test accuracy: 0.9843 | Test loss: 0.04811937794089317"),),
        execution_count=16,
    ),
}

FULL_AFTER = {
    "md_introduction_questions": (FULL_ANSWERS_Q1_3,),
    "md_question_4": (FULL_ANSWER_Q4,),
    "mlr_test": (FULL_REPORT_PROBLEM_1,),
    "ConvNet2": (FULL_CONVNET3,),
    "convnet2_test": (FULL_REPORT_PROBLEM_2,),
}


# --------------------------------------------------------------------------------------------
# The seed students' answers (seed 003), reconstructed: code as in their report, their
# answers shortened.  Run on their own computer (Jupyter, not Colab).
# --------------------------------------------------------------------------------------------

SEED_SETUP = code(
    """
    %matplotlib inline
    """
)

SEED_ANSWERS_Q1_3 = md(
    r"""
    **Question 1:** $f(w) = (1 - x^\top w)^2 = (1 - w_1 - w_2 - w_3 - w_4 - w_5)^2$ is non-negative, so its
    minimum is 0, reached for all the points $w$ such that $\sum_{k=1}^5 w_k = 1$. The point
    $w = (0.2, 0.2, 0.2, 0.2, 0.2)$ found by the gradient descent is one of these minima; another $w_0$ would
    have given another one.

    **Question 2:** The learning rate controls how much the weights change at each update
    $w_k = w_{k-1} - \eta \nabla L(w_{k-1})$. Too large, the descent overshoots and may diverge; too small, it
    converges very slowly or gets stuck. It has to be chosen large enough to converge fast but not too large,
    by hyperparameter tuning.

    **Question 3:** Backpropagation computes the gradient of the loss with respect to the weights of a
    feedforward network, from the output layer back to the input. `loss.backward()` computes $d\,loss/dw$ for
    all the parameters $w$ with `requires_grad = True` and stores it in `w.grad`; the optimizer then uses it to
    update the weights (gradient descent).
    """
)

SEED_ANSWER_Q4 = md(
    """
    **Question 4:** No, because `torch.utils.data.random_split` randomly splits `all_train` into
    non-overlapping new datasets (trainset and valset). We can fix the generator for reproducible results:

    ```
    trainset, valset = torch.utils.data.random_split(all_train, [num_train, len(all_train) - num_train],
    generator=torch.Generator().manual_seed(42))
    ```
    """
)

SEED_TRAIN = code(
    TRAIN_GIVEN.replace(
        "        outputs = net(inputs) # Forwards stage (prediction with current weights)\n",
        "        #careful : the following line was a mistake in the teacher's proposition !\n"
        '        #outputs = net(inputs) # mistake we need to replace net by the parameter "model"\n'
        "        outputs = model(inputs) # Forwards stage (prediction with current weights)\n",
    )
)

SEED_MLR = code(
    """
    # Add multinomial logistic regression
    class MultinomialLogisticRegression(nn.Module):
        def __init__(self, input_size, output_size):
            super().__init__()
            self.classifier = torch.nn.Linear(input_size, output_size)
            # We don't use Softmax here because the CrossEntropyLoss function computes softmax before the CE.

        def forward(self, x):
            x = x.reshape(-1, input_size)
            x = self.classifier(x)
            return x
    """
)

SEED_MLR_INIT = code(
    """
    # initializing our model/loss/optimizer
    MLR = MultinomialLogisticRegression(input_size, output_size)
    criterion = nn.CrossEntropyLoss() # /\\ computes softmax and then the cross entropy
    optimizer = optim.SGD(MLR.parameters(), lr=lr)
    """
)

SEED_REPORT_PROBLEM_1 = md(
    r"""
    **1. Mathematical description.** Logistic regression is a fully-connected network with one layer: the
    logits are $Z_{[m,k]} = X_{[m,n]} W_{[n,k]} + b$ for $m$ observations, $n$ features and $k$ classes, and the
    softmax $a_{i,j} = e^{z_{i,j}} / \sum_n e^{z_{i,n}}$ gives the probability that observation $i$ is of
    class $j$. The predicted class is the one with the highest probability. `nn.CrossEntropyLoss` takes class
    labels directly, so no one-hot encoding is needed.

    **2. Optimization.** The cross-entropy loss $-\frac{1}{m}\sum_i \sum_j y_{i,j} \log(a_{i,j})$ is
    minimised by gradient descent: backpropagation gives the gradient of every parameter, and each parameter is
    updated in the opposite direction of its gradient.

    **3. Implementation.** The function `train` given in the notebook had a little mistake that we had to
    correct: it called `net(inputs)` instead of `model(inputs)`. Our module is one `torch.nn.Linear`, without
    softmax because `nn.CrossEntropyLoss` computes it.

    **4. Accuracy.** The accuracy is 83 % with 2 epochs on test data.
    """
)

SEED_CONVNET2 = code(
    """
    class ConvNet2(nn.Module):
        def __init__(self):
            super().__init__()
            self.layer1 = nn.Sequential(
                nn.Conv2d(1, 8, kernel_size=5, stride=[1, 1], padding=2),
                nn.ReLU(),
                nn.MaxPool2d(kernel_size=2, stride=2))

            self.classifier = nn.Sequential(
                nn.Dropout(0.5), #NEW DROPOUT = 50 % probability
                nn.Linear(14 * 14 * 8, 500),
                nn.ReLU(),
                nn.Linear(500, 10)
            )

        def forward(self, x):
            out = self.layer1(x)
            out = out.reshape(out.size(0), -1)
            out = self.classifier(out)
            return out
    """
)

SEED_CONVNET3 = code(
    """
    class ConvNet3(nn.Module):
        def __init__(self):
            super().__init__()
            self.layer1 = nn.Sequential(#more complicated network
                nn.Conv2d(1, 16, kernel_size=5, stride=1, padding=int((5-1)/2), bias=True),
                nn.ReLU(inplace=True),
                nn.MaxPool2d(kernel_size=2),
                nn.Conv2d(16, 32, kernel_size=5, stride=1, padding=int((5-1)/2), bias=True),
                nn.ReLU(inplace=True),
                nn.MaxPool2d(kernel_size=2),
                nn.Conv2d(32, 64, kernel_size=5, stride=1, padding=int((5-1)/2), bias=True),
                nn.ReLU(inplace=True),
                nn.MaxPool2d(kernel_size=2)
            )

            probe_tensor = torch.zeros((1,1,28,28))
            out_features = self.layer1(probe_tensor).view(-1)
            num_classes = 10

            self.classifier = nn.Sequential(
                nn.Dropout(0.5),
                nn.Linear(out_features.shape[0], 128),
                nn.ReLU(inplace=True),
                nn.Dropout(0.5),
                nn.Linear(128, 256),
                nn.ReLU(inplace=True),
                nn.Linear(256, num_classes)
            )

        def forward(self, x):
            out = self.layer1(x)
            out = out.reshape(out.size(0), -1)
            out = self.classifier(out)
            return out
    """
)

SEED_CONVNET4 = code(
    """
    def batch_relu(in_channels, out_channels, ks):
        return [nn.Conv2d(in_channels, out_channels,
                          kernel_size=ks,
                          stride=1,
                          padding=int((ks-1)/2), bias=True),
                nn.BatchNorm2d(out_channels),
                nn.ReLU(inplace=True)]

    class ConvNet4(nn.Module):

        def __init__(self):
            super().__init__()
            num_classes = 10
            base_n = 64
            self.features = nn.Sequential(
                *batch_relu(1, base_n, 3),
                *batch_relu(base_n, base_n, 3),
                nn.MaxPool2d(kernel_size=2),
                nn.Dropout(0.4),
                *batch_relu(base_n, 2*base_n, 3),
                *batch_relu(2*base_n, 2*base_n, 3),
                nn.MaxPool2d(kernel_size=2),
                nn.Dropout(0.4),
                *batch_relu(2*base_n, 4*base_n, 3),
                *batch_relu(4*base_n, 4*base_n, 3),
                nn.AvgPool2d(kernel_size=7)
            )

            self.lin1 = nn.Linear(4*base_n, num_classes)

        def forward(self, x):
            x = self.features(x)
            x = x.view(x.size()[0], -1)
            y = self.lin1(nn.functional.dropout(x, 0.5, self.training, inplace=True))
            return y
    """
)

SEED_CONVNET_TRAINING = code(
    "net = ConvNet4() #test the model of our choice ConvNetX (2 to 5)\n" + CONVNET2_TRAINING_BODY
)

SEED_REPORT_PROBLEM_2 = md(
    """
    **1. Dropout.** Dropout deactivates neurons at random at each training step, so that the data is trained on
    a network with dropped-out nodes, different at every iteration: this simulates an ensemble of networks
    with different architectures and prevents overfitting. In PyTorch we introduce `nn.Dropout` layers with the
    rate at which units are zeroed. Learning with dropout is usually slower.

    **2. Architectures** (code above, 2 epochs each):

    1. `ConvNet2` is `ConvNet` with a 50 % dropout before the penultimate linear layer; the forward pass does
       not change. Accuracy 98.3 %, the same as `ConvNet`, but slower.
    2. `ConvNet3`: 3 blocks Conv(5x5, stride 1, padding 2)-ReLU-MaxPool(2x2) with 16, 32 and 64 filters, then
       two dropout-linear-ReLU blocks of size 128 and 256 (dropout 0.5), then a linear layer with 10 units
       (the softmax is in the loss). Accuracy 98.9 %, about 30 minutes on our computer.
    3. `ConvNet4`: 64C3s1-BatchNorm-ReLU twice, MaxPool, dropout 40 %, 128C3s1-BatchNorm-ReLU twice, MaxPool,
       dropout 40 %, 256C3s1-BatchNorm-ReLU twice, global average pooling, a dense layer with 10 units. Small
       kernels give fewer parameters, the number of filters grows with depth, and global average pooling
       replaces the large fully connected layers.

    **3. Accuracy.** 99.1 % for `ConvNet4`, but it took 40 minutes for 2 epochs.
    """
)

SEED_ANSWERS = {
    "train": SEED_TRAIN,
    "MultinomialLogisticRegression": SEED_MLR,
    "mlr_init": SEED_MLR_INIT,
    "mlr_test": code(MLR_TEST.source, outputs=(stream("Test accuracy: 0.83"),), execution_count=14),
    "ConvNet2": SEED_CONVNET2,
    "convnet2_training": SEED_CONVNET_TRAINING,
    "convnet2_test": code(
        CONVNET2_TEST.source,
        outputs=(stream("Test accuracy: 0.9912 | Test loss: 0.027332775755273177"),),
        execution_count=27,
    ),
}

SEED_AFTER = {
    "md_introduction_questions": (SEED_ANSWERS_Q1_3,),
    "md_question_4": (SEED_ANSWER_Q4,),
    "mlr_test": (SEED_REPORT_PROBLEM_1,),
    "ConvNet2": (SEED_CONVNET3, SEED_CONVNET4),
    "convnet2_test": (SEED_REPORT_PROBLEM_2,),
}


# --------------------------------------------------------------------------------------------
# Common bugs, one per item: softmax in the logistic regression, dropout between the linear
# layers, the teacher's `net` left in `train`.  Exported as a percent-format .py.
# --------------------------------------------------------------------------------------------

BUGS_MLR = code(
    """
    # Add multinomial logistic regression
    class MultinomialLogisticRegression(nn.Module):
        def __init__(self, input_size, output_size):
            super().__init__()
            self.fc = nn.Linear(input_size, output_size)

        def forward(self, x):
            x = x.view(x.size(0), -1)
            # softmax turns the scores into the probabilities of the 10 classes
            return torch.softmax(self.fc(x), dim=1)
    """
)

BUGS_CONVNET2 = code(
    """
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
    """
)

BUGS_SETUP = code(
    """
    !pip install -q torchvision
    %matplotlib inline
    """
)

BUGS_ANSWERS = {
    "MultinomialLogisticRegression": BUGS_MLR,
    "ConvNet2": BUGS_CONVNET2,
}


# --------------------------------------------------------------------------------------------
# Assembly.
# --------------------------------------------------------------------------------------------

README_SECTION = """\
## mnist_logreg_cnn (seed 003)

Template: `assignments/mnist_logreg_cnn/template.ipynb`, the course's notebook reconstructed from the seed
(the students' report): a gradient-descent warm-up, MNIST with `random_split` into `trainset`/`valset`, an
MLP trained with the course's `train` and `validation`, Problem 1 (a `MultinomialLogisticRegression` stub) and
Problem 2 (the course's `ConvNet` given, a `ConvNet2` stub: ConvNet with dropout). The given `train` calls the
global `net` instead of its argument `model` (the course's mistake, which the seed students corrected); the
notebook binds `net` at top level (`net = MLP(...)`, `net = ConvNet()`, `net = ConvNet2()`), so an uncorrected
`train` still runs. Graded: `MultinomialLogisticRegression`, `ConvNet2`, `train`, `validation`; every training
loop, download and DataLoader cell is dropped by the extractor, never run.

- `mnist_logreg_cnn_full_marks.ipynb`: Colab notebook (drive mount, `!pip`, `%cd`, `%matplotlib inline`,
  `%%time` training cells with their logs, test cells with their output, answers to the questions in
  markdown) with correct answers: `MultinomialLogisticRegression` is one `nn.Linear(input_size, output_size)`
  whose forward flattens with `x.reshape(x.shape[0], -1)` and returns raw logits; `ConvNet2` is ConvNet with
  `nn.Dropout(p=0.5)` on the flattened feature maps (the input of the first linear layer); `train` fixed to
  call `model(inputs)`; `validation` as given. An extra `ConvNet3` is not graded. Expected: full marks, no
  failed check and no warning.
- `mnist_logreg_cnn_seed_student.ipynb`: the seed students' answers (seed 003), reconstructed, in a local
  Jupyter notebook. `MultinomialLogisticRegression` as in their report: its forward reshapes with the
  GLOBAL `input_size` (`x.reshape(-1, input_size)`) instead of the constructor's argument; `ConvNet2`,
  `ConvNet3`, `batch_relu` and `ConvNet4` exactly as in their appendix (ConvNet2 = ConvNet with
  `nn.Dropout(0.5)` first in the classifier, `stride=[1, 1]`); `train` corrected to `model(inputs)` with their
  comments; `validation` as given. Expected: `MultinomialLogisticRegression` fails `output_shape` (the
  notebook's `input_size = 784` is kept as a dependency, so a probe with another input size gets a wrong
  shape, not a NameError); everything else full marks (ConvNet3, ConvNet4 and `batch_relu` are not graded).
- `mnist_logreg_cnn_common_bugs.py`: a jupytext percent-format export (magics commented) with one common bug
  per item. `MultinomialLogisticRegression` returns `torch.softmax(..., dim=1)` (probabilities, so
  `nn.CrossEntropyLoss` applies a second softmax): fails `no_softmax` only. `ConvNet2` puts `nn.Dropout(0.5)`
  between the two linear layers instead of on the input of the first: fails `dropout_placement` only.
  `train` is the course's, still calling the global `net` (the notebook's last top-level `net = ConvNet2()`
  is kept as its dependency, so it runs but trains the wrong model): fails `uses_model_argument`.
  `validation` is the course's: full marks.
"""


def write_examples() -> None:
    """Write the template and the three example submissions."""
    write_notebook(TEMPLATE_PATH, notebook(assemble(TEMPLATE), "template"))

    full = assemble(TEMPLATE, FULL_ANSWERS, before=(COLAB_MOUNT, COLAB_SETUP), after=FULL_AFTER)
    write_notebook(
        SUBMISSIONS / "mnist_logreg_cnn_full_marks.ipynb", notebook(full, "full-marks", colab_name=COLAB_NAME)
    )

    seed = assemble(TEMPLATE, SEED_ANSWERS, before=(SEED_SETUP,), after=SEED_AFTER)
    write_notebook(SUBMISSIONS / "mnist_logreg_cnn_seed_student.ipynb", notebook(seed, "seed-student"))

    bugs = assemble(TEMPLATE, BUGS_ANSWERS, before=(BUGS_SETUP,))
    write(SUBMISSIONS / "mnist_logreg_cnn_common_bugs.py", percent_script(bugs))
