"""The instrumented network the loop probes hand to a student's loop, and the judge's reference runs on.

Neutral: the executor's probes and the judge's checks both build it (the judge to compute what a
correct loop makes of the same model), so it imports nothing of either side, only torch and numpy.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

IN_FEATURES, HIDDEN, CLASSES = 5, 8, 3
_Tensor = torch.Tensor
_type = type
_parameters = torch.nn.Module.parameters


def to_array(value: Any) -> np.ndarray:
    """A plain NumPy copy of a CPU/GPU tensor, however the student's class behaves, untracked by any
    torch function mode (a probe's device tracker)."""
    with torch._C.DisableTorchFunction():
        data = _Tensor.detach(value)
        if data.dtype == torch.bfloat16:
            data = data.float()
        return _Tensor.numpy(_Tensor.to(data, "cpu")).copy()


class ProbeNet(nn.Module):
    """Linear(features, 8) → tanh → Linear(8, 3): small and deterministic; records every forward.

    ``features`` is the size of one sample, flattened: 5 for run_epoch's rows, 784 for MNIST-shaped
    images (1, 28, 28), which the forward flattens itself so that a loop may pass image batches or
    batches it flattened.  A record holds the mode (``self.training``), whether gradients were
    enabled, which samples of the dataset the batch holds (rows matched exactly against
    ``samples``; -1 for a row that is not one of them), which of the loader's batches it came from
    and whether it had been moved to the model's device (when a tracker watches), and the logits.
    """

    def __init__(self, samples: np.ndarray | None = None, features: int = IN_FEATURES) -> None:
        super().__init__()
        self.features = features
        self.fc1 = nn.Linear(features, HIDDEN)
        self.fc2 = nn.Linear(HIDDEN, CLASSES)
        rows = np.zeros((0, features), np.float32) if samples is None else np.asarray(samples, np.float32)
        rows = np.ascontiguousarray(rows.reshape(len(rows), -1))
        self._rows = {row.tobytes(): i for i, row in enumerate(rows)}
        self.tracker: Any = None  #: a probes.loop DeviceTracker while one watches
        self.forwards: list[dict[str, Any]] = []

    @classmethod
    def for_samples(cls, samples: np.ndarray) -> "ProbeNet":
        """A net whose input is one sample of ``samples`` (any shape), flattened."""
        samples = np.asarray(samples)
        return cls(samples, int(np.prod(samples.shape[1:])))

    def set_weights(self, weights: list[np.ndarray]) -> None:
        with torch.no_grad():
            for p, w in zip(_parameters(self), weights):
                _Tensor.copy_(p, torch.from_numpy(np.array(w, dtype=np.float32)).reshape(p.shape))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        record: dict[str, Any] = {"training": bool(self.training), "grad_enabled": bool(torch.is_grad_enabled()),
                                  "indices": self._indices(x),
                                  # bumped by every in-place update: tells whether a step came between forwards
                                  "version": int(sum(p._version for p in _parameters(self)))}
        tracker = self.tracker
        if tracker is not None:
            record["input_moved"] = not tracker.is_host(x)
            record["batch"] = tracker.batch_of.get(id(x))
            tracker.in_forward = True
        try:
            if x.dim() > 2:
                x = x.reshape(x.shape[0], -1)
            out = self.fc2(torch.tanh(self.fc1(x)))
        finally:
            if tracker is not None:
                tracker.in_forward = False
        record["logits"] = to_array(out).astype(np.float32)
        self.forwards.append(record)
        return out

    def _indices(self, x: Any) -> list[int] | None:
        if _type(x) is not _Tensor:
            return None
        rows = to_array(x)
        if rows.ndim == 1:
            rows = rows[None]
        elif rows.ndim > 2:
            rows = rows.reshape(rows.shape[0], -1)
        if rows.ndim != 2 or rows.shape[1] != self.features:
            return None
        rows = np.ascontiguousarray(rows, dtype=np.float32)
        return [self._rows.get(row.tobytes(), -1) for row in rows]
