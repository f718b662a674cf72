"""Why a few training steps on the student's model stopped before they could show learning.

The executor's training probes (``sgd_steps``, ``smoke_train``) stop early, with a reason, when the
model cannot be trained at all; this says each reason in a student's words.
"""

from __future__ import annotations

from typing import Any

from grader.checks.core import CheckFailed
from grader.checks.tensors import shape_str


def raise_if_stopped(report: dict[str, Any], setting: str, classes: int = 10, see: str = "") -> None:
    """Raise CheckFailed when ``report`` says training stopped: no trainable parameter, a loss not
    connected to one, or an output cross-entropy cannot take; ``see`` names the check of the shape."""
    stopped = report.get("stopped")
    if stopped == "no_trainable_parameters":
        raise CheckFailed("the model has no trainable parameters (all have requires_grad=False), so training "
                          "cannot change it", setting)
    if stopped == "not_connected":
        raise CheckFailed("the loss is not connected to any trainable parameter, so backward computes no gradient: "
                          "forward runs under torch.no_grad(), or detaches the values (.detach(), .data, NumPy), or "
                          "the parameters are frozen", setting)
    if stopped == "bad_output":
        output = report.get("output")
        output = output if isinstance(output, dict) else {}
        got = shape_str(output["shape"]) if isinstance(output.get("shape"), list) else str(output.get("type", "?"))
        raise CheckFailed(f"forward returned {got}, which nn.CrossEntropyLoss cannot take: expected scores of shape "
                          f"(N, {classes}){f' (see {see})' if see else ''}", setting)
