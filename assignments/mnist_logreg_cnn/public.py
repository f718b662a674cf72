"""The public checks of mnist_logreg_cnn: what a student's self-check runs (``python -m grader check``).

Shapes and the parameter counts the text implies, on fixed inputs, judged without the reference.
This module imports no hidden check and nothing from ``reference/``: it is shipped in the student bundle.
"""

from grader.selfcheck.properties import maps_shape, has_parameters

CHECKS = {
    "MultinomialLogisticRegression": (
        maps_shape("logits_shape", (20, 5), (3, 20), (3, 5)),
        has_parameters("affine_size", (20, 5), 105, "one 20 × 5 weight and 5 biases"),
    ),
    "ConvNet2": (
        maps_shape("logits_shape", (), (2, 1, 28, 28), (2, 10)),
        has_parameters("convnet2_size", (), 789_718, "the course's ConvNet; dropout adds no parameters"),
    ),
}
