"""The wire format between judge and worker: length-prefixed JSON, no pickle.

Tensors cross as ``{"__tensor__": dtype, "shape": [...], "data": base64}`` built from
the raw bytes, so the judge never unpickles anything the worker produced.  The
decoder accepts only a fixed set of dtypes and checks that the byte count matches
the shape before building an array.
"""

from __future__ import annotations

import base64
import json
import os
import struct
from typing import Any

import numpy as np

HEADER = struct.Struct("!Q")
MAX_MESSAGE_BYTES = 256 * 1024 * 1024
#: What the judge reads of one reply.  The largest honest reply (a ResNet's weights and
#: outputs) is a few MB; a bound keeps a hostile reply from costing the judge gigabytes.
MAX_REPLY_BYTES = 64 * 1024 * 1024
#: Containers ("[" or "{") one reply may hold: each costs the judge ~60 bytes once decoded.
MAX_REPLY_CONTAINERS = 1_000_000
#: How deeply a reply may nest (honest replies nest fewer than 10 levels).
MAX_REPLY_DEPTH = 64

#: dtype names that may cross the boundary; bfloat16 is widened to float32 by the sender.
ALLOWED_DTYPES = {
    "float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool",
}


class ProtocolError(Exception):
    """The other side sent something that is not a well-formed message."""


def encode_array(array: np.ndarray) -> dict[str, Any]:
    """Plain-data form of a NumPy array (C-contiguous little-endian bytes)."""
    dtype = array.dtype.name
    if dtype not in ALLOWED_DTYPES:
        raise ProtocolError(f"dtype {dtype} cannot cross the boundary")
    data = np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<"), copy=False)
    return {
        "__tensor__": dtype,
        "shape": [int(s) for s in array.shape],
        "data": base64.b64encode(data.tobytes()).decode("ascii"),
    }


def decode_array(obj: dict[str, Any]) -> np.ndarray:
    """Rebuild an array from :func:`encode_array` output, validating everything."""
    dtype = obj.get("__tensor__")
    shape = obj.get("shape")
    if dtype not in ALLOWED_DTYPES:
        raise ProtocolError(f"refusing tensor of dtype {dtype!r}")
    if not isinstance(shape, list) or not all(isinstance(s, int) and s >= 0 for s in shape):
        raise ProtocolError(f"bad tensor shape {shape!r}")
    raw = base64.b64decode(obj.get("data", ""), validate=True)
    np_dtype = np.dtype(dtype).newbyteorder("<")
    count = int(np.prod(shape, dtype=np.int64)) if shape else 1
    if count * np_dtype.itemsize != len(raw):
        raise ProtocolError("tensor byte count does not match its shape")
    return np.frombuffer(raw, dtype=np_dtype).reshape(shape).astype(np_dtype.newbyteorder("="))


def decode_tensors(value: Any) -> Any:
    """Replace every encoded tensor inside a decoded JSON value by a NumPy array (a reply's nesting is
    bounded by :func:`parse_reply` before this recursion sees it)."""
    if isinstance(value, dict):
        if "__tensor__" in value:
            return decode_array(value)
        return {k: decode_tensors(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode_tensors(v) for v in value]
    return value


def parse_reply(body: bytes) -> dict[str, Any]:
    """Decode one reply of the executor, which is hostile until proved otherwise.

    Size, container count and nesting are bounded *before* ``json.loads`` builds anything,
    so a reply nested 200,000 deep or made of millions of empty lists is refused at the cost
    of a byte count (C speed), never a crash or gigabytes of the judge's memory.
    """
    if len(body) > MAX_REPLY_BYTES:
        raise ProtocolError(f"a reply of {len(body)} bytes")
    containers = body.count(b"[") + body.count(b"{")
    if containers > MAX_REPLY_CONTAINERS:
        raise ProtocolError(f"a reply of {containers} lists and objects (at most {MAX_REPLY_CONTAINERS})")
    try:
        message = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ProtocolError(f"malformed reply: {str(exc)[:200]}") from None
    if not isinstance(message, dict):
        raise ProtocolError("the reply is not an object")
    _check_depth(message)
    return message


def _check_depth(value: Any) -> None:
    """Refuse values nested deeper than MAX_REPLY_DEPTH (iteratively: no recursion to exhaust)."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_REPLY_DEPTH:
            raise ProtocolError(f"a reply nested more than {MAX_REPLY_DEPTH} levels deep")
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)


def encode_tensors(value: Any) -> Any:
    """Replace NumPy arrays inside a value by their plain-data form (judge → worker)."""
    if isinstance(value, np.ndarray):
        return encode_array(value)
    if isinstance(value, dict):
        return {k: encode_tensors(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode_tensors(v) for v in value]
    return value


def dumps(message: dict[str, Any]) -> bytes:
    body = json.dumps(message, allow_nan=True, separators=(",", ":")).encode("utf-8")
    return HEADER.pack(len(body)) + body


def write_message(fd: int, message: dict[str, Any]) -> None:
    payload = dumps(message)
    view = memoryview(payload)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def read_exactly(fd: int, count: int) -> bytes:
    chunks = []
    while count:
        chunk = os.read(fd, min(count, 1 << 20))
        if not chunk:
            raise EOFError("the other side closed the channel")
        chunks.append(chunk)
        count -= len(chunk)
    return b"".join(chunks)


def read_message(fd: int) -> dict[str, Any]:
    (size,) = HEADER.unpack(read_exactly(fd, HEADER.size))
    if size > MAX_MESSAGE_BYTES:
        raise ProtocolError(f"message of {size} bytes exceeds the limit")
    try:
        message = json.loads(read_exactly(fd, size).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProtocolError(f"malformed message: {exc}") from None
    if not isinstance(message, dict):
        raise ProtocolError("message is not an object")
    return message
