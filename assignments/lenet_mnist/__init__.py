"""LeNet on MNIST (seed 004): the LeNet network and ``backprop_deep``, mini-batch SGD with momentum.

One module of checks per item (``lenet`` gathers its checks from ``lenet_layers``, ``lenet_structure`` and
``lenet_forward``).
"""

from pathlib import Path

from grader.assignment import Assignment, Item
from grader.checks.smoke import smoke_checks

from . import backprop_deep, lenet

ASSIGNMENT = Assignment(
    name="lenet_mnist",
    title="PyTorch on MNIST: LeNet and backprop_deep",
    items=(
        Item("LeNet", "class", lenet.CHECKS + smoke_checks(lambda ctx: ctx.target(), (1, 28, 28))),
        Item("backprop_deep", "function", backprop_deep.CHECKS, aliases=("train",), training=True),
    ),
    template=Path(__file__).with_name("template.ipynb"),
)
