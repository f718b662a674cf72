"""ResNet on CIFAR-10 (seed 002): Dropout, BatchNorm, ResidualBlock, ResidualStack, resnet, run_epoch, fit.

One module of checks per item; ``grader.checks.weight_copy`` copies the reference's weights
into a student's block for the equivalence checks.
"""

from pathlib import Path

from grader.assignment import Assignment, Item

from . import batchnorm, dropout, fit, network, residual_block, residual_stack, run_epoch

ASSIGNMENT = Assignment(
    name="resnet_cifar10",
    title="PyTorch: Dropout, BatchNorm and ResNet on CIFAR-10",
    items=(
        Item("Dropout", "class", dropout.CHECKS),
        Item("BatchNorm", "class", batchnorm.CHECKS),
        Item("ResidualBlock", "class", residual_block.CHECKS),
        Item("ResidualStack", "class", residual_stack.CHECKS),
        Item("resnet", "instance", network.CHECKS),
        Item("run_epoch", "function", run_epoch.CHECKS, training=True),
        Item("fit", "function", fit.CHECKS, training=True),
    ),
    template=Path(__file__).with_name("template.ipynb"),
)
