"""MNIST: multinomial logistic regression and a dropout CNN (seed 003).

Items: MultinomialLogisticRegression, ConvNet2 (the course's ConvNet with dropout), and the course's
``train`` and ``validation`` loops.  One module of checks per item
(``convnet2`` gathers its checks from the ``convnet2_*`` modules).
"""

from pathlib import Path

from grader.assignment import Assignment, Item
from grader.checks.smoke import smoke_checks

from . import convnet2, logistic_regression, train, validation

ASSIGNMENT = Assignment(
    name="mnist_logreg_cnn",
    title="PyTorch on MNIST: logistic regression and dropout CNNs",
    items=(
        Item("MultinomialLogisticRegression", "class",
             logistic_regression.CHECKS + smoke_checks(lambda ctx: ctx.target(784, 10), (1, 28, 28), flatten=True),
             aliases=("LogisticRegression",)),
        # the dropout CNN written as a second `class ConvNet` under the course's first one
        Item("ConvNet2", "class", convnet2.CHECKS + smoke_checks(lambda ctx: ctx.target(), (1, 28, 28)),
             redefined_aliases=("ConvNet",)),
        Item("train", "function", train.CHECKS, training=True),
        Item("validation", "function", validation.CHECKS, training=True),
    ),
    template=Path(__file__).with_name("template.ipynb"),
)
