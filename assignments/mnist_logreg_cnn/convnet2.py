"""Checks of ``ConvNet2()``: the course's ConvNet with dropout (p = 0.5) on the input of its first linear layer.

The course's ConvNet: Conv2d(1, 8, 5, padding=2), ReLU, MaxPool2d(2), flatten, Linear(14·14·8 = 1568, 500),
ReLU, Linear(500, 10).  GRADING-DECISIONS.md: check where the dropout acts and its rate, not only that two
training passes differ.  The worker runs the model on one batch in training mode and twice in eval mode
and sends back the input and output of every convolution and linear layer (``layer_io``); the judge
recomputes the ReLU and max-pool from the captured values, and compares the runs to locate the randomness.

The checks live in four modules: ``convnet2_common`` (sizes, images, the ``layer_io`` runs; shared),
``convnet2_structure`` (output_shape, parameter_count, architecture), ``convnet2_dropout``
(dropout_train_vs_eval, dropout_placement) and ``convnet2_learns`` (learns).
"""

from __future__ import annotations

from grader.checks.core import Check
from grader.checks.stats import CHECK_BOUND

from .convnet2_common import CONV, EXPECTED_PARAMETERS
from .convnet2_dropout import dropout_placement, dropout_train_vs_eval
from .convnet2_learns import learns
from .convnet2_structure import architecture, output_shape, parameter_count

CHECKS = (
    Check("output_shape", "output (N, 10) on a batch (N, 1, 28, 28), N = 1 included, in eval mode", 2, output_shape),
    Check("parameter_count", f"exactly {EXPECTED_PARAMETERS:,} trainable parameters", 2, parameter_count),
    Check("architecture", f"{CONV}, ReLU, 2×2 max-pool, Linear(1568, 500), ReLU, Linear(500, 10)", 3, architecture),
    Check("dropout_train_vs_eval", "dropout is active in training mode and off in eval mode", 2,
          dropout_train_vs_eval, false_failure_bound=CHECK_BOUND),
    Check("dropout_placement", "dropout with p = 0.5 acts on the input of the first linear layer, element by element "
          "(Hoeffding tests of the rate and independence)", 3, dropout_placement, false_failure_bound=CHECK_BOUND),
    Check("learns", "a few SGD steps on easy synthetic images reduce the training loss by a clear margin", 2, learns),
)
