"""Hypothesis, set up the grader's way: reproducible, silent, shrinking to a minimal input.

Regrading must give identical output, so every search is seeded from the item
context, uses no example database and prints nothing; the property raises
:class:`CheckFailed` and Hypothesis hands back the one for the smallest input.
"""

from __future__ import annotations

import tempfile
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from hypothesis import HealthCheck, Phase, Verbosity, given, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import Flaky
from hypothesis.configuration import set_hypothesis_home_dir
from hypothesis.reporting import with_reporter

from grader.checks.core import CheckFailed, ItemContext


@contextmanager
def private_hypothesis_storage() -> Iterator[None]:
    """Keep Hypothesis's caches in a temporary directory removed afterwards.

    Hypothesis writes a ``.hypothesis/`` cache into the current directory (the constants it
    collects from local modules' source) even without an example database; grading must
    leave the instructor's or Gradescope's directory as it found it."""
    with tempfile.TemporaryDirectory(prefix="grader-hypothesis-") as home:
        set_hypothesis_home_dir(home)
        try:
            yield
        finally:
            set_hypothesis_home_dir(None)


def for_all(ctx: ItemContext, strategy: st.SearchStrategy[Any], prop: Callable[[Any], None], *,
            max_examples: int = 20) -> None:
    """Check ``prop`` on examples of ``strategy``; raise the minimal CheckFailed."""

    @seed(ctx.derive_seed("hypothesis", getattr(prop, "__qualname__", "prop")))
    @settings(max_examples=max_examples, database=None, deadline=None, derandomize=False,
              suppress_health_check=list(HealthCheck), report_multiple_bugs=False,
              verbosity=Verbosity.quiet, phases=(Phase.explicit, Phase.generate, Phase.shrink),
              print_blob=False)
    @given(strategy)
    def search(example: Any) -> None:
        prop(example)

    try:
        with with_reporter(lambda *args, **kwargs: None):
            search()
    except CheckFailed:
        raise
    except Flaky as exc:  # e.g. the student's code behaves differently on the same input
        inner = [e for e in getattr(exc, "exceptions", ()) if isinstance(e, CheckFailed)]
        if inner:
            raise inner[0] from None
        raise CheckFailed(f"inconsistent results on the same input: {exc}") from None
