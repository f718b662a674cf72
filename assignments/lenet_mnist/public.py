"""The public checks of lenet_mnist: what a student's self-check runs (``python -m grader check``).

The output shape and the parameter count the text implies, judged without the reference.
This module imports no hidden check and nothing from ``reference/``: it is shipped in the student bundle.
"""

from grader.selfcheck.properties import has_parameters, maps_shape

CHECKS = {
    "LeNet": (
        maps_shape("logits_shape", (), (3, 1, 28, 28), (3, 10)),
        has_parameters("lenet_size", (), 44_426, "LeNet for 28×28 digits, whose feature maps end at 16 × 4 × 4"),
    ),
}
