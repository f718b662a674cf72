"""Smoke-training steps per second of the course's models on this machine's CPU, as the executor runs them.

Runs the ``smoke_train`` probe in this process (single-threaded, like an executor) on the reference
models with the CPU schedule of ``grader.checks.smoke`` and the same generated data, and prints steps
per second, seconds per smoke check and the loss before and after.  With ``--cuda`` (on a GPU
machine) the full schedule runs on the GPU instead.

    .venv/bin/python benchmarks/smoke_steps.py [--repeats 3] [--cuda]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path
from types import SimpleNamespace

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from grader.checks.core import ItemContext  # noqa: E402
from grader.checks.smoke import CPU_SCHEDULE, CUDA_SCHEDULE, LEARNING_RATE, learnable_images  # noqa: E402
from grader.sandbox.executor.guard import Guard  # noqa: E402
from grader.sandbox.executor.student import StudentModule  # noqa: E402
from grader.sandbox.probes import registry  # noqa: E402
from grader.sandbox.probes.smoke import smoke_train  # noqa: E402
from reference import lenet_mnist, mnist_logreg_cnn, resnet_cifar10  # noqa: E402

MODELS = {
    "resnet (ResNet-32)": (lambda: resnet_cifar10.build_resnet(), (3, 32, 32), False),
    "LeNet": (lambda: lenet_mnist.LeNet(), (1, 28, 28), False),
    "ConvNet2": (lambda: mnist_logreg_cnn.ConvNet2(), (1, 28, 28), False),
    "MultinomialLogisticRegression": (lambda: mnist_logreg_cnn.MultinomialLogisticRegression(784, 10),
                                      (1, 28, 28), True),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cuda", action="store_true", help="the full schedule on the GPU")
    args = parser.parse_args()
    torch.set_num_threads(1)
    schedule = CUDA_SCHEDULE if args.cuda else CPU_SCHEDULE
    registry.warm_up()  # as the zygote does, before the guard's snapshot (torch patches itself lazily)
    student = StudentModule(guard=Guard())
    print(f"schedule: {schedule.describe()}; torch threads: {torch.get_num_threads()}")
    for name, (build, image, flatten) in MODELS.items():
        ctx = ItemContext(sandbox=SimpleNamespace(), item=name, name="model")  # type: ignore[arg-type]
        x, y = learnable_images(ctx, image, schedule.images)
        if flatten:
            x = x.reshape(len(x), -1)
        rates, reports = [], []
        for _ in range(args.repeats):
            student.namespace["model"] = build()
            report = smoke_train(student, {"name": "model", "instantiate": False}, x, y, schedule.steps,
                                 schedule.batch, LEARNING_RATE, seed=0, device=schedule.device)
            rates.append(report["steps_done"] / report["seconds"])
            reports.append(report)
        last = reports[-1]
        print(f"{name:32s} {statistics.median(rates):8.1f} steps/s  "
              f"{schedule.steps / statistics.median(rates):6.2f} s per check  "
              f"loss {last['loss_before']:.3f} -> {last['loss_after']:.3f}")


if __name__ == "__main__":
    main()
