"""ResNet on CIFAR-10 (seed 002): Dropout, BatchNorm, ResidualBlock, ResidualStack, resnet, run_epoch, fit.

Graded so far: Dropout and BatchNorm.  The other items join as their checks land.
"""

from pathlib import Path

from grader.assignment import Assignment, Item

from . import batchnorm, dropout

ASSIGNMENT = Assignment(
    name="resnet_cifar10",
    title="PyTorch: Dropout, BatchNorm and ResNet on CIFAR-10",
    items=(
        Item("Dropout", "class", dropout.CHECKS),
        Item("BatchNorm", "class", batchnorm.CHECKS),
    ),
    template=Path(__file__).with_name("template.ipynb"),
)
