"""Copying reference weights into a student's block (grader/checks/weight_copy.py).

Students' blocks are built here as small torch modules and described with ``reference_units``,
the same {"prefix", "parameters", "buffers"} layout the worker's ``module_layout`` sends.
"""

from __future__ import annotations

import random
import time

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from grader.checks import weight_copy
from grader.checks.weight_copy import candidate_mappings, reference_units, student_state
from reference.resnet_cifar10 import ResidualBlock as ReferenceBlock

BN_STATE = ("weight", "bias", "running_mean", "running_var", "num_batches_tracked")


def _skip(cin: int, cout: int, stride: int):
    if stride > 1 or cin != cout:
        return lambda x: F.pad(x[:, :, ::stride, ::stride], (0, 0, 0, 0, 0, cout - cin))
    return lambda x: x


class RenamedBlock(nn.Module):
    """Correct, in the reference's registration order, under other names."""

    def __init__(self, cin: int, cout: int, stride: int = 1, bias: bool = False) -> None:
        super().__init__()
        self.skip = _skip(cin, cout, stride)
        self.c1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=bias)
        self.b1 = nn.BatchNorm2d(cout)
        self.c2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=bias)
        self.b2 = nn.BatchNorm2d(cout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.b2(self.c2(F.relu(self.b1(self.c1(x)))))
        return F.relu(out + self.skip(x))


class Bn2FirstBlock(nn.Module):
    """Correct, but the batch norm used after the second convolution is registered first."""

    def __init__(self, cin: int, cout: int, stride: int = 1) -> None:
        super().__init__()
        self.skip = _skip(cin, cout, stride)
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        return F.relu(out + self.skip(x))


class RawParameterBlock(nn.Module):
    """No submodules: the weights are nn.Parameters of the block itself, used through F.conv2d/F.batch_norm."""

    def __init__(self, cin: int, cout: int, stride: int = 1) -> None:
        super().__init__()
        self.stride = stride
        self.skip = _skip(cin, cout, stride)
        self.w1 = nn.Parameter(torch.randn(cout, cin, 3, 3) * 0.1)
        self.gamma1 = nn.Parameter(torch.ones(cout))
        self.beta1 = nn.Parameter(torch.zeros(cout))
        self.w2 = nn.Parameter(torch.randn(cout, cout, 3, 3) * 0.1)
        self.gamma2 = nn.Parameter(torch.ones(cout))
        self.beta2 = nn.Parameter(torch.zeros(cout))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.conv2d(x, self.w1, stride=self.stride, padding=1)
        out = F.relu(F.batch_norm(out, None, None, self.gamma1, self.beta1, training=True))
        out = F.batch_norm(F.conv2d(out, self.w2, padding=1), None, None, self.gamma2, self.beta2, training=True)
        return F.relu(out + self.skip(x))


class FiveByFiveBlock(RenamedBlock):
    def __init__(self, cin: int, cout: int, stride: int = 1) -> None:
        super().__init__(cin, cout, stride)
        self.c1 = nn.Conv2d(cin, cout, 5, stride, 2, bias=False)
        self.c2 = nn.Conv2d(cout, cout, 5, 1, 2, bias=False)


class SharedBatchNormBlock(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn = nn.BatchNorm2d(cout)


def reference(cin: int = 4, cout: int = 8, stride: int = 2) -> ReferenceBlock:
    """A reference block whose two batch norms differ (weights and running statistics)."""
    torch.manual_seed(0)
    block = ReferenceBlock(cin, cout, stride)
    with torch.no_grad():
        for bn in (block.bn1, block.bn2):
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.uniform_(-0.5, 0.5)
            bn.running_mean.normal_(0, 0.3)
            bn.running_var.uniform_(0.5, 2.0)
    return block


def mappings_for(student: nn.Module, ref: ReferenceBlock) -> list[dict[str, str]]:
    return candidate_mappings(reference_units(student), reference_units(ref))


def load(student: nn.Module, mapping: dict[str, str], ref: ReferenceBlock) -> nn.Module:
    ref_state = {k: v.detach().numpy().copy() for k, v in ref.state_dict().items()}
    shapes = {k: list(v.shape) for k, v in student.state_dict().items()}
    values = student_state(mapping, ref_state, shapes)
    state = dict(student.state_dict())
    for name, value in values.items():
        state[name] = torch.from_numpy(np.array(value)).reshape(state[name].shape).to(state[name].dtype)
    student.load_state_dict(state)
    return student


def same_output(student: nn.Module, ref: ReferenceBlock, cin: int = 4, mode: str = "eval") -> bool:
    x = torch.randn(3, cin, 6, 5, generator=torch.Generator().manual_seed(1))
    student.train(mode == "train")
    ref.train(mode == "train")
    with torch.no_grad():
        return torch.allclose(student(x), ref(x), atol=1e-5)


# -- registration order ------------------------------------------------------------------------

@pytest.mark.parametrize("cin,cout,stride", [(4, 8, 2), (4, 4, 1)])
def test_registration_order_is_the_first_mapping(cin: int, cout: int, stride: int) -> None:
    ref = reference(cin, cout, stride)
    first = mappings_for(RenamedBlock(cin, cout, stride), ref)[0]
    expected = {"c1.weight": "conv1.weight", "c2.weight": "conv2.weight"}
    for ours, theirs in (("b1", "bn1"), ("b2", "bn2")):
        expected.update({f"{ours}.{s}": f"{theirs}.{s}" for s in BN_STATE})
    assert first == expected
    assert same_output(load(RenamedBlock(cin, cout, stride), first, ref), ref, cin)


def test_reference_units_describe_parameter_owners_in_order() -> None:
    units = reference_units(reference())
    assert [u["prefix"] for u in units] == ["conv1", "bn1", "conv2", "bn2"]
    assert units[0]["parameters"] == [{"name": "conv1.weight", "shape": [8, 4, 3, 3], "requires_grad": True}]
    assert units[0]["buffers"] == []
    assert [b["name"] for b in units[1]["buffers"]] == ["bn1.running_mean", "bn1.running_var",
                                                        "bn1.num_batches_tracked"]


# -- bn2 registered before bn1 ------------------------------------------------------------------

def test_bn2_before_bn1_first_mapping_follows_registration_order() -> None:
    ref = reference()
    first = mappings_for(Bn2FirstBlock(4, 8, 2), ref)[0]
    # registration order pairs the student's first batch norm (bn2) with the reference's bn1
    assert first["bn2.weight"] == "bn1.weight"
    assert not same_output(load(Bn2FirstBlock(4, 8, 2), first, ref), ref)


@pytest.mark.parametrize("mode", ["eval", "train"])
def test_bn2_before_bn1_the_swapped_mapping_is_a_candidate(mode: str) -> None:
    ref = reference()
    mappings = mappings_for(Bn2FirstBlock(4, 8, 2), ref)
    assert 2 <= len(mappings) <= weight_copy.MAX_MAPPINGS
    swapped = {"conv1.weight": "conv1.weight", "conv2.weight": "conv2.weight",
               **{f"bn1.{s}": f"bn1.{s}" for s in BN_STATE}, **{f"bn2.{s}": f"bn2.{s}" for s in BN_STATE}}
    assert swapped in mappings
    assert mappings.index(swapped) > 0
    assert same_output(load(Bn2FirstBlock(4, 8, 2), swapped, ref), ref, mode=mode)


def test_equal_conv_shapes_give_every_consistent_assignment() -> None:
    # in == out: both convolutions and both batch norms are interchangeable by shape: 2 × 2 candidates,
    # each reference unit given its own student unit
    ref = reference(4, 4, 1)
    mappings = mappings_for(RenamedBlock(4, 4, 1), ref)
    assert len(mappings) == 4
    assert len({tuple(sorted(m.items())) for m in mappings}) == 4
    for mapping in mappings:
        assert sorted(mapping[n] for n in ("c1.weight", "c2.weight")) == ["conv1.weight", "conv2.weight"]
        assert {mapping["b1.weight"], mapping["b2.weight"]} == {"bn1.weight", "bn2.weight"}
        for bn in ("b1", "b2"):  # a batch norm's state moves together
            owner = mapping[f"{bn}.weight"].split(".")[0]
            assert {mapping[f"{bn}.{s}"] for s in BN_STATE} == {f"{owner}.{s}" for s in BN_STATE}


# -- a parameter the reference does not have --------------------------------------------------

def test_conv_bias_is_mapped_to_zero() -> None:
    ref = reference()
    student = RenamedBlock(4, 8, 2, bias=True)
    [first, *_] = mappings_for(student, ref)
    assert first["c1.weight"] == "conv1.weight" and first["c2.weight"] == "conv2.weight"
    assert first["c1.bias"] == "" and first["c2.bias"] == ""
    ref_state = {k: v.detach().numpy() for k, v in ref.state_dict().items()}
    shapes = {k: list(v.shape) for k, v in student.state_dict().items()}
    values = student_state(first, ref_state, shapes)
    assert values["c1.bias"].shape == (8,) and not values["c1.bias"].any()
    assert values["c1.bias"].dtype == np.float32
    np.testing.assert_array_equal(values["c1.weight"], ref_state["conv1.weight"])
    assert "c1.bias = 0" in weight_copy.describe(first)
    assert "c1.weight ← conv1.weight" in weight_copy.describe(first)
    # with a zero bias the biased block computes the reference's function
    assert same_output(load(student, first, ref), ref)


# -- blocks without submodules -------------------------------------------------------------------

@pytest.mark.parametrize("cin,cout,stride", [(4, 8, 2), (4, 4, 1)])
def test_raw_parameters_use_the_by_shape_fallback(cin: int, cout: int, stride: int) -> None:
    ref = reference(cin, cout, stride)
    student = RawParameterBlock(cin, cout, stride)
    assert len(reference_units(student)) == 1  # one unit: the block itself owns everything
    mappings = mappings_for(student, ref)
    assert mappings == [{"w1": "conv1.weight", "gamma1": "bn1.weight", "beta1": "bn1.bias",
                         "w2": "conv2.weight", "gamma2": "bn2.weight", "beta2": "bn2.bias"}]
    # batch statistics only (no running statistics): equal to the reference in training mode
    assert same_output(load(student, mappings[0], ref), ref, cin, mode="train")


def test_by_shape_fallback_zeroes_extra_parameters() -> None:
    ref = reference()
    student = RawParameterBlock(4, 8, 2)
    student.extra = nn.Parameter(torch.ones(3))
    [mapping] = mappings_for(student, ref)
    assert mapping["extra"] == ""
    assert mapping["w1"] == "conv1.weight"


# -- no consistent mapping ------------------------------------------------------------------------

def test_mismatched_shapes_give_no_mapping() -> None:
    ref = reference()
    assert mappings_for(FiveByFiveBlock(4, 8, 2), ref) == []


def test_a_missing_layer_gives_no_mapping() -> None:
    # one batch norm shared by both positions: the reference's second batch norm has nowhere to go,
    # neither unit by unit nor in the by-shape fallback
    assert mappings_for(SharedBatchNormBlock(4, 8, 2), reference()) == []


def test_channels_swapped_give_no_mapping() -> None:
    # batch norms over in_channels where the reference has out_channels
    student = RenamedBlock(4, 8, 2)
    student.b1 = nn.BatchNorm2d(4)
    assert mappings_for(student, reference()) == []


def test_the_number_of_candidates_is_capped() -> None:
    # a student unit list with many interchangeable batch norms: at most MAX_MAPPINGS candidates
    ref = reference(4, 4, 1)
    student = RenamedBlock(4, 4, 1)
    for i in range(4):
        setattr(student, f"spare{i}", nn.BatchNorm2d(4))
    assert len(mappings_for(student, ref)) == weight_copy.MAX_MAPPINGS


# -- the search is bounded ----------------------------------------------------------------------

def _conv_units(count: int, channels: int = 4) -> list[dict]:
    return [{"prefix": f"s{i}", "parameters": [{"name": f"s{i}.weight", "shape": [channels, channels, 3, 3]}],
             "buffers": []} for i in range(count)]


def test_a_module_beyond_the_limit_fails_with_a_message() -> None:
    ref = reference_units(reference(4, 4, 1))
    assert weight_copy.parameter_limit(ref) == 64  # max(64, 4 × 6)
    student = _conv_units(400) + reference_units(SharedBatchNormBlock(4, 4, 1))
    with pytest.raises(weight_copy.TooManyParameters) as failure:
        candidate_mappings(student, ref, "ResidualBlock")
    assert failure.value.message.startswith("your ResidualBlock has 404 parameter tensors; the reference's has 6")
    assert "at most 64" in failure.value.message and "cannot be matched" in failure.value.message


def test_a_generous_module_at_the_limit_is_still_matched() -> None:
    # a correct block with biases plus spare layers up to the limit: matched, the spares set to zero
    ref = reference(4, 4, 1)
    student = RenamedBlock(4, 4, 1, bias=True)
    for i in range(56):
        setattr(student, f"spare{i}", nn.Conv2d(4, 4, 3, padding=1, bias=False))
    units = reference_units(student)
    assert weight_copy.parameter_count(units) == 64
    mappings = candidate_mappings(units, reference_units(ref))
    assert len(mappings) == weight_copy.MAX_MAPPINGS
    assert mappings[0]["c1.weight"] == "conv1.weight" and mappings[0]["spare0.weight"] == ""
    assert same_output(load(student, mappings[0], ref), ref)


def test_the_search_is_polynomial_where_backtracking_is_not() -> None:
    # 302 interchangeable convolutions and one batch norm for two places: no complete assignment.
    # Plain backtracking explores ~N³ partial ones (about 100 s); the pruned search stops at once.
    ref = reference_units(reference(4, 4, 1))
    student = _conv_units(302) + reference_units(SharedBatchNormBlock(4, 4, 1))[2:]
    covers = [[weight_copy._covers(s, r) is not None for s in student] for r in ref]
    started = time.perf_counter()
    assert list(weight_copy._unit_assignments(student, ref, covers)) == []
    assert time.perf_counter() - started < 1.0


def _plain(student: list[dict], ref: list[dict]) -> list[list[tuple[int, int]]]:
    """Every complete assignment by plain backtracking (student position, reference index), in order."""
    found: list[list[tuple[int, int]]] = []

    def extend(index: int, used: tuple[int, ...]) -> None:
        if index == len(ref):
            found.append(list(zip(used, range(len(ref)))))
            return
        for position, unit in enumerate(student):
            if position not in used and weight_copy._covers(unit, ref[index]) is not None:
                extend(index + 1, used + (position,))

    extend(0, ())
    return found


def test_the_pruned_search_gives_plain_backtracking_s_assignments_in_its_order() -> None:
    rng = random.Random(0)
    shapes = [[4, 4, 3, 3], [4], [8, 4, 3, 3]]
    for _ in range(300):
        ref = [{"prefix": f"r{i}", "parameters": [{"name": f"r{i}.{j}", "shape": rng.choice(shapes)}
                                                  for j in range(rng.randint(1, 2))], "buffers": []}
               for i in range(rng.randint(1, 4))]
        student = [{"prefix": f"u{i}", "parameters": [{"name": f"u{i}.{j}", "shape": rng.choice(shapes)}
                                                      for j in range(rng.randint(1, 3))], "buffers": []}
                   for i in range(rng.randint(0, 6))]
        covers = [[weight_copy._covers(s, r) is not None for s in student] for r in ref]
        position = {id(u): i for i, u in enumerate(student)}
        index = {id(u): i for i, u in enumerate(ref)}
        pruned = [[(position[id(s)], index[id(r)]) for s, r in assignment]
                  for assignment in weight_copy._unit_assignments(student, ref, covers)]
        assert pruned == _plain(student, ref)
