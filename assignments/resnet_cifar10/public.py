"""The public checks of resnet_cifar10: what a student's self-check runs (``python -m grader check``).

Properties the assignment text states, on fixed inputs, judged without the reference: shapes, the
parameter counts the text gives, dropout's rate and eval-mode identity, batch norm's per-channel
normalisation, the mode and weight updates of run_epoch.  Graded runs use the hidden checks in this folder's other modules instead; this module
imports none of them and nothing from ``reference/``, because it is shipped in the student bundle.
"""

from grader.sandbox.common.call_spec import role
from grader.selfcheck.loop_properties import epoch_mode, returns_loss_accuracy, weights_change
from grader.selfcheck.properties import (INSTANCE, has_parameters, maps_shape, normalises_channels,
                                         passes_through_in_eval, zeroes_fraction)

EPOCH = (role("model"), role("optimizer"), role("loader"), role("train_flag"))
TRAINING = "run_epoch(model, optimizer, dataloader, train=True)"
EVALUATION = "run_epoch(model, None, dataloader, train=False)"

CHECKS = {
    "Dropout": (
        maps_shape("shape_kept", (0.3,), (4, 6), (4, 6), mode="train"),
        zeroes_fraction("rate_quarter", 0.25, (100, 200)),
        passes_through_in_eval("eval_passthrough", (0.4,), (3, 5, 2)),
    ),
    "BatchNorm": (
        maps_shape("shape_kept", (3,), (8, 3, 5), (8, 3, 5), mode="train"),
        has_parameters("two_per_channel", (3,), 6, "gamma and beta: one value per channel, C = 3"),
        normalises_channels("channels_normalised", 3, (16, 3, 10)),
    ),
    "ResidualBlock": (
        maps_shape("same_size_shape", (16, 16), (2, 16, 8, 8), (2, 16, 8, 8)),
        maps_shape("downsampling_shape", (16, 32, 2), (2, 16, 8, 8), (2, 32, 4, 4)),
    ),
    "ResidualStack": (
        maps_shape("stack_shape", (16, 32, 2, 3), (2, 16, 8, 8), (2, 32, 4, 4)),
    ),
    "resnet": (
        maps_shape("logits_shape", INSTANCE, (2, 3, 32, 32), (2, 10)),
        has_parameters("resnet_size", INSTANCE, 464_154, "the ResNet of the text with n = 5"),
    ),
    "run_epoch": (
        weights_change("training_moves_weights", EPOCH, True, TRAINING),
        epoch_mode("evaluates_in_eval_mode", EPOCH, False, EVALUATION),
        weights_change("evaluation_keeps_weights", EPOCH, False, EVALUATION),
        returns_loss_accuracy("two_numbers_back", EPOCH, False, EVALUATION),
    ),
}
