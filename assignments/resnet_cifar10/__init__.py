"""ResNet on CIFAR-10 (seed 002): Dropout, BatchNorm, ResidualBlock, ResidualStack, resnet, run_epoch, fit.

One module of checks per item; ``grader.checks.weight_copy`` copies the reference's weights
into a student's block for the equivalence checks.
"""

from pathlib import Path

from grader.assignment import Assignment, Item
from grader.checks.gpu import cuda_forward, cuda_run_epoch, cuda_speed
from grader.checks.smoke import smoke_checks

from . import batchnorm, dropout, fit, network, residual_block, residual_stack, run_epoch

#: Every dropout PyTorch offers: the Dropout item must be written from scratch.
DROPOUTS = (
    *(f"torch.nn.functional.{n}" for n in ("dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout",
                                           "feature_alpha_dropout")),
    *(f"torch.{n}" for n in ("dropout", "dropout_", "alpha_dropout", "alpha_dropout_", "feature_dropout",
                             "feature_dropout_", "feature_alpha_dropout", "feature_alpha_dropout_",
                             "native_dropout")),
    *(f"torch.nn.{n}" for n in ("Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout",
                                "FeatureAlphaDropout")),
)
#: Every normalisation PyTorch offers: the BatchNorm item must be written from scratch.
NORMALISATIONS = (
    *(f"torch.nn.functional.{n}" for n in ("batch_norm", "instance_norm", "layer_norm", "group_norm",
                                           "local_response_norm", "normalize", "rms_norm")),
    *(f"torch.{n}" for n in ("batch_norm", "native_batch_norm", "instance_norm", "layer_norm",
                             "native_layer_norm", "group_norm", "native_group_norm", "rms_norm",
                             "cudnn_batch_norm", "miopen_batch_norm", "batch_norm_elemt", "batch_norm_stats",
                             "batch_norm_gather_stats", "batch_norm_backward_elemt", "native_norm")),
    *(f"torch.nn.{n}" for n in ("BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "LazyBatchNorm1d",
                                "LazyBatchNorm2d", "LazyBatchNorm3d", "SyncBatchNorm", "LayerNorm", "GroupNorm",
                                "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d", "LazyInstanceNorm1d",
                                "LazyInstanceNorm2d", "LazyInstanceNorm3d", "LocalResponseNorm", "RMSNorm",
                                "CrossMapLRN2d")),
)

#: Run only where there is a GPU (reported skipped elsewhere; zero points: see grader.checks.gpu).
GPU_DROPOUT = (cuda_forward(lambda ctx: ctx.target(0.3), (8, 16)), cuda_speed("dropout"))
GPU_BATCHNORM = (cuda_forward(lambda ctx: ctx.target(4), (8, 4, 16)), cuda_speed("batchnorm"))

ASSIGNMENT = Assignment(
    name="resnet_cifar10",
    title="PyTorch: Dropout, BatchNorm and ResNet on CIFAR-10",
    items=(
        Item("Dropout", "class", dropout.CHECKS + GPU_DROPOUT, forbidden=DROPOUTS),
        Item("BatchNorm", "class", batchnorm.CHECKS + GPU_BATCHNORM, forbidden=NORMALISATIONS),
        Item("ResidualBlock", "class", residual_block.CHECKS),
        Item("ResidualStack", "class", residual_stack.CHECKS),
        Item("resnet", "instance", network.CHECKS + smoke_checks(network.instance, network.IMAGE)),
        Item("run_epoch", "function", run_epoch.CHECKS + (cuda_run_epoch(),), training=True),
        Item("fit", "function", fit.CHECKS, training=True),
    ),
    template=Path(__file__).with_name("template.ipynb"),
)
