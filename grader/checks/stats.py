"""Statistical tests with a stated false-failure probability.

A correct random implementation must fail a check with probability at most the
bound written next to it (ARCHITECTURE.md rule 4).  We use Hoeffding's inequality,
which needs no distributional approximation: for the mean of n independent
[0, 1] variables, P(|mean - E| ≥ t) ≤ 2·exp(-2·n·t²).
"""

from __future__ import annotations

import math

#: False-failure budget of one statistical check; split over its sub-tests by a union bound.
CHECK_BOUND = 1e-9


def hoeffding_halfwidth(n: int, bound: float) -> float:
    """The t for which a two-sided Hoeffding test on n samples errs with probability ≤ bound."""
    if n <= 0:
        raise ValueError("need at least one sample")
    return math.sqrt(math.log(2.0 / bound) / (2.0 * n))


def one_sided_halfwidth(n: int, bound: float) -> float:
    """As :func:`hoeffding_halfwidth` for a one-sided test: P(mean - E ≥ t) ≤ bound."""
    if n <= 0:
        raise ValueError("need at least one sample")
    return math.sqrt(math.log(1.0 / bound) / (2.0 * n))
