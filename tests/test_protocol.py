"""The judge's reading of a reply: bounded before anything is built, refused rather than crashing."""

from __future__ import annotations

import resource

import numpy as np
import pytest

from grader.sandbox.common import protocol
from grader.sandbox.common.protocol import ProtocolError, parse_reply


def test_an_honest_reply_with_a_tensor_is_read() -> None:
    value = {"calls": [{"output": np.arange(6, dtype=np.float32).reshape(2, 3)}]}
    body = protocol.dumps({"id": "x", "ok": True, "value": protocol.encode_tensors(value)})[protocol.HEADER.size:]
    message = parse_reply(body)
    decoded = protocol.decode_tensors(message["value"])
    assert np.array_equal(decoded["calls"][0]["output"], value["calls"][0]["output"])


def test_a_reply_nested_200000_deep_is_refused_not_a_crash() -> None:
    body = b'{"id": 1, "ok": true, "value": ' + b"[" * 200_000 + b"]" * 200_000 + b"}"
    with pytest.raises(ProtocolError, match="malformed|nested"):
        parse_reply(body)


def test_a_reply_nested_just_past_the_bound_is_refused() -> None:
    depth = protocol.MAX_REPLY_DEPTH + 2
    body = b'{"value": ' + b"[" * depth + b"]" * depth + b"}"
    with pytest.raises(ProtocolError, match="nested"):
        parse_reply(body)


def test_32_mb_of_empty_lists_is_refused_before_it_costs_memory() -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    body = b'{"id": 1, "value": [' + b"[]," * 11_000_000 + b"[]]}"
    with pytest.raises(ProtocolError, match="lists and objects"):
        parse_reply(body)
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mib < 200, f"refusing the reply cost {grown_mib:.0f} MiB"  # decoding it would cost ~2 GB


@pytest.mark.parametrize("body", [b"[1, 2]", b'"text"', b"\xff\xfe", b"{", b"nul"])
def test_a_reply_that_is_not_a_json_object_is_refused(body: bytes) -> None:
    with pytest.raises(ProtocolError):
        parse_reply(body)


def test_a_reply_over_the_size_bound_is_refused() -> None:
    with pytest.raises(ProtocolError, match="bytes"):
        parse_reply(b" " * (protocol.MAX_REPLY_BYTES + 1))


def test_a_tensor_whose_bytes_do_not_match_its_shape_is_refused() -> None:
    with pytest.raises(ProtocolError):
        protocol.decode_tensors({"__tensor__": "float32", "shape": [1000, 1000], "data": ""})
