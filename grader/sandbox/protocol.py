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
    """Replace every encoded tensor inside a decoded JSON value by a NumPy array."""
    if isinstance(value, dict):
        if "__tensor__" in value:
            return decode_array(value)
        return {k: decode_tensors(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode_tensors(v) for v in value]
    return value


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
