"""What the ConvNet2 checks share: the expected sizes, the test images, the judge's arithmetic on captured
values (``close``, ``pooled``, ``dropout_scale``) and the memoised ``layer_io`` runs (``Run``, ``layer_runs``).

The worker runs the model on one batch in training mode and twice in eval mode and sends back the input
and output of every convolution and linear layer; ``convnet2_structure`` and ``convnet2_dropout`` judge them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from grader.checks.core import ItemContext
from grader.checks.tensors import require_tensor, shape_str

#: conv 8·1·5·5 + 8 = 208, fc1 1568·500 + 500 = 784,500, fc2 500·10 + 10 = 5,010.
EXPECTED_PARAMETERS = 789_718
IMAGE = (1, 28, 28)
FEATURES, HIDDEN, CLASSES = 14 * 14 * 8, 500, 10
CONV = "Conv2d(1, 8, kernel_size=5, padding=2)"
RATE = 0.5
ATOL = RTOL = 1e-5
LAYER_BATCH = 8  #: images in the layer_io batch: 8·1568 dropout decisions, about 90% of them on non-zero features


def images(ctx: ItemContext, n: int, *key: Any) -> np.ndarray:
    """Standard normal images: about half the convolution's outputs are positive, so that after the ReLU
    and the 2×2 max-pool about 15/16 of the first linear layer's inputs are non-zero."""
    return ctx.rng("images", n, *key).standard_normal((n,) + IMAGE).astype(np.float32)


def close(got: np.ndarray | None, expected: np.ndarray | None) -> bool:
    return (got is not None and expected is not None and got.shape == expected.shape
            and bool(np.allclose(got, expected, rtol=RTOL, atol=ATOL)))


def pooled(conv_output: np.ndarray) -> np.ndarray:
    """What the first linear layer should see: max-pool 2×2 of ReLU(conv output), flattened per image."""
    out = F.max_pool2d(torch.relu(torch.from_numpy(conv_output.astype(np.float32))), 2)
    return out.reshape(len(out), -1).numpy()


def dropout_scale(got: np.ndarray, expected: np.ndarray, minimum: float = 1.0) -> float | None:
    """s when ``got`` is ``expected`` with some elements zeroed and the others multiplied by one s > minimum,
    else None.  A real dropout scales by 1/(1-p) > 1; ``minimum=0`` also finds one that forgets to scale."""
    if got.shape != expected.shape:
        return None
    kept = got != 0
    if not kept.any() or np.any(expected[kept] == 0):
        return None
    scale = float(np.median(got[kept] / expected[kept]))
    ok = scale > minimum and np.allclose(got, np.where(kept, expected * scale, 0), rtol=RTOL, atol=ATOL)
    return scale if ok else None


def same_up_to_dropout(got: np.ndarray | None, expected: np.ndarray) -> bool:
    """Equal, or equal but for a dropout still active here (charged by the dropout checks, not the layers)."""
    return got is not None and (close(got, expected) or dropout_scale(got, expected) is not None)


# -- the layer_io runs ------------------------------------------------------------------------

class Run:
    """One forward pass of the batch: the convolution and linear layers called, with their values."""

    def __init__(self, report: dict[str, Any]) -> None:
        self.mode = report["mode"]
        self.calls = report["calls"]
        self.output_report = report["output"]
        self.convs = [c for c in self.calls if c.get("layer") == "conv2d"]
        self.linears = [c for c in self.calls if c.get("layer") == "linear"]

    @property
    def output(self) -> np.ndarray | None:
        out = self.output_report
        return np.asarray(out["data"]).reshape(out["shape"]) if out.get("is_tensor") else None

    def fc1(self) -> dict[str, Any] | None:
        """The linear layer taking the 1568 pooled features (else the first one called)."""
        fallback = self.linears[0] if self.linears else None
        return next((c for c in self.linears if c["in_features"] == FEATURES), fallback)

    def fc2(self) -> dict[str, Any] | None:
        """The last linear layer called after fc1."""
        first = self.fc1()
        if first is None:
            return None
        after = self.linears[self.linears.index(first) + 1:]
        return after[-1] if after else None

    def layers_text(self) -> str:
        return ", ".join(c["type"] for c in self.calls) or "none"


def layer_runs(ctx: ItemContext) -> tuple[Run, Run, Run]:
    """(train, eval, eval again) on one batch, one model, each run with its own seed (memoised)."""
    if "layer_runs" not in ctx.memo:
        runs = [{"mode": mode, "seed": ctx.derive_seed("layer-run", i)}
                for i, mode in enumerate(("train", "eval", "eval"))]
        report = ctx.request("layer_io", {"target": ctx.target(), "input": images(ctx, LAYER_BATCH, "layers"),
                                          "runs": runs, "seed": ctx.derive_seed("layer-model")})
        for run in report["runs"]:
            require_tensor(run["output"], f"ConvNet2 in {run['mode']} mode on a batch of shape "
                                          f"{shape_str((LAYER_BATCH,) + IMAGE)}")
        ctx.memo["layer_runs"] = tuple(Run(r) for r in report["runs"])
    return ctx.memo["layer_runs"]
