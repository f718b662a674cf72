"""Checks of ``LeNet()``, the network of questions 25–26 for 28×28 MNIST digits.

The text: conv1 1→6 with 5×5 kernels, ReLU, 2×2 max-pool; conv2 6→16 with 5×5 kernels,
ReLU, 2×2 max-pool; fc1 (16·4·4 = 256 inputs) → 120 with ReLU; fc2 120 → 84 with ReLU;
fc3 84 → 10 raw scores.  On 28×28 inputs without padding the feature maps are
28 → 24 → 12 → 8 → 4, so the network has 44,426 parameters.  The usual confusion is
LeNet-5's 16·5·5 = 400, the figure for 32×32 images (GRADING-DECISIONS.md): every check
that can meet it explains 256 vs 400.

The student's layers are found whatever their names (attributes, ``nn.Sequential``,
``nn.ModuleDict``): from a traced forward pass when it runs, else from the registered
parameters.  ``matches_reference`` judges the forward pass only: it runs the reference's
forward with the student's own layer sizes (the reference's weights wherever the sizes
agree), so a wrong layer size is charged by ``parameter_count`` and ``layer_shapes``
alone.  ``num_flat_features`` is given code and not graded.

The checks live in three modules: ``lenet_layers`` (the text's layers, the student's as found, what
is wrong with them; shared), ``lenet_structure`` (parameter_count, layer_shapes) and ``lenet_forward``
(output_shape, matches_reference).
"""

from __future__ import annotations

from grader.checks.core import Check

from .lenet_forward import matches_reference, output_shape
from .lenet_layers import EXPECTED_PARAMETERS
from .lenet_structure import layer_shapes, parameter_count

CHECKS = (
    Check("parameter_count", f"exactly {EXPECTED_PARAMETERS:,} trainable parameters (28×28 inputs: fc1 has "
          "16·4·4 = 256 inputs)", 2, parameter_count),
    Check("layer_shapes", "conv1 1→6 5×5, conv2 6→16 5×5 (no padding), fc1 256→120, fc2 120→84, fc3 84→10", 3,
          layer_shapes),
    Check("output_shape", "output (N, 10) for a batch of N 28×28 images, N = 1 included", 2, output_shape),
    Check("matches_reference", "with the reference's weights, the output is the reference's: ReLU and 2×2 max-pool "
          "after each convolution, ReLU after fc1 and fc2, raw scores from fc3", 4, matches_reference),
)
