"""The public checks of mnist_logreg_cnn: what a student's self-check runs (``python -m grader check``).

Shapes and the parameter counts the text implies, on fixed inputs, and the mode and weight updates of
``train`` and ``validation`` on one instrumented epoch, judged without the reference.
This module imports no hidden check and nothing from ``reference/``: it is shipped in the student bundle.
"""

from grader.sandbox.common.call_spec import role, value
from grader.selfcheck.loop_properties import epoch_mode, returns_loss_accuracy, weights_change
from grader.selfcheck.properties import has_parameters, maps_shape

TRAIN = (role("model"), role("loader"), role("criterion"), role("optimizer"), value(0), value(1))
TRAIN_SHOWN = "train(model, trainloader, criterion, optimizer, 0, 1)"
VALIDATION = (role("model"), role("loader"), role("criterion"))
VALIDATION_SHOWN = "validation(model, valloader, criterion)"

CHECKS = {
    "MultinomialLogisticRegression": (
        maps_shape("logits_shape", (20, 5), (3, 20), (3, 5)),
        has_parameters("affine_size", (20, 5), 105, "one 20 × 5 weight and 5 biases"),
    ),
    "ConvNet2": (
        maps_shape("logits_shape", (), (2, 1, 28, 28), (2, 10)),
        has_parameters("convnet2_size", (), 789_718, "the course's ConvNet; dropout adds no parameters"),
    ),
    "train": (
        epoch_mode("runs_in_training_mode", TRAIN, True, TRAIN_SHOWN),
        weights_change("weights_move", TRAIN, True, TRAIN_SHOWN),
    ),
    "validation": (
        epoch_mode("runs_in_evaluation_mode", VALIDATION, False, VALIDATION_SHOWN),
        weights_change("weights_stay", VALIDATION, False, VALIDATION_SHOWN),
        returns_loss_accuracy("two_numbers_back", VALIDATION, False, VALIDATION_SHOWN),
    ),
}
