"""The signature the worker reports is read, never evaluated, and nothing in it can break the judge."""

from __future__ import annotations

import pytest

from grader.checks.core import CheckFailed
from grader.checks.signature import keeps_defaults, signature_defaults


@pytest.mark.parametrize(("signature", "expected"), [
    ("(xtrain, ltrain, net, T, B=100, gamma=0.001, rho=0.9)", {"B": 100, "gamma": 0.001, "rho": 0.9}),
    ("(x, /, y=2, *args, z=3, **kwargs)", {"y": 2, "z": 3}),
    ("(x, *, stride)", {}),
    ("(x=torch.zeros(3))", {"x": "torch.zeros(3)"}),  # an expression stays text
    ("(x=__import__('os').system('true'))", {"x": "__import__('os').system('true')"}),
])
def test_defaults_are_read_as_literals_or_text(signature: str, expected: dict) -> None:
    assert signature_defaults(signature) == expected


@pytest.mark.parametrize("signature", [
    "(x=" + "-" * 1990 + "1)",        # recursion in the parser
    "(x=" + "not " * 490 + "1)",
    "(" * 300 + ")" * 300,
    "x" * 3000,                         # too long
    "(x=1",                             # not closed
])
def test_hostile_signatures_read_as_unreadable(signature: str) -> None:
    assert signature_defaults(signature) is None


def test_only_the_first_definition_is_read() -> None:
    assert signature_defaults("(x=1):\n    pass\nclass C") == {"x": 1}


class _Context:
    """An ItemContext whose worker describes the graded name with a given signature."""

    name = "backprop_deep"

    def __init__(self, signature: object) -> None:
        self.signature = signature

    def request(self, op: str, args: dict) -> dict:
        assert op == "describe"
        return {self.name: {"signature": self.signature}}


CHECK = keeps_defaults({"B": 100, "gamma": 0.001, "rho": 0.9}, "backprop_deep(xtrain, ltrain, net, T, B=100, "
                       "gamma=.001, rho=.9)", "backprop_deep(xtrain, ltrain, net, T=3)")


@pytest.mark.parametrize("signature", ["(xtrain, ltrain, net, T, B=100, gamma=0.001, rho=0.9)",
                                       "(xtrain, ltrain, net, T, B=100.0, gamma=1e-3, rho=0.90)"])
def test_the_given_defaults_pass(signature: str) -> None:
    CHECK(_Context(signature))  # type: ignore[arg-type]


@pytest.mark.parametrize(("signature", "named"), [
    ("(xtrain, ltrain, net, T, B=64, gamma=0.001, rho=0.5)", "B=64, rho=0.5"),
    ("(xtrain, ltrain, net, T, B, gamma, rho)", "B has no default"),
    ("(xtrain, ltrain, net, T, B=True, gamma=0.001, rho=0.9)", "B=True"),
    ("(xtrain, ltrain, net, T, B='100', gamma=0.001, rho=0.9)", "B='100'"),
])
def test_changed_or_missing_defaults_fail_naming_them(signature: str, named: str) -> None:
    with pytest.raises(CheckFailed) as failed:
        CHECK(_Context(signature))  # type: ignore[arg-type]
    assert named in failed.value.message


@pytest.mark.parametrize("signature", [None, 42, "(x=" + "-" * 1990 + "1)", "not a signature"])
def test_an_unreadable_signature_fails_the_check_not_the_judge(signature: object) -> None:
    with pytest.raises(CheckFailed, match="could not read the signature"):
        CHECK(_Context(signature))  # type: ignore[arg-type]


def test_a_missing_default_passes_where_allowed() -> None:
    check = keeps_defaults({"stride": 1}, "ResidualBlock(in_channels, out_channels, stride=1)", "…", missing_ok=True)
    check(_Context("(in_channels, out_channels, stride)"))  # type: ignore[arg-type]
    with pytest.raises(CheckFailed, match="stride=2"):
        check(_Context("(in_channels, out_channels, stride=2)"))  # type: ignore[arg-type]
