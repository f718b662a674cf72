"""Text and number helpers shared by the reporters (no formatting knowledge of any one format).

Student code can print anything: escape sequences, NUL bytes, lone surrogates from a
``surrogateescape`` decode.  :func:`printable` turns all of that into visible, inert text
that is legal in every output format (terminal, XML 1.0, JSON, UTF-8).
"""

from __future__ import annotations

import math
import re

#: Decimal places kept when points are written to a file.
POINTS_DECIMALS = 4

# Characters replaced by a visible escape: C0 controls except tab/newline/CR, DEL, C1
# controls, surrogates and the two XML 1.0 non-characters.  What remains is legal XML 1.0.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` with control characters shown as ``\\x1b``-style escapes and CR turned into LF.

    Keeps tabs and newlines.  A lone ``\\r`` (progress bars) becomes a newline so each
    update reads as its own line.  The result is legal XML 1.0 and encodes as UTF-8.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _UNPRINTABLE.sub(_visible, text)


def utf8_safe(text: str) -> str:
    """``text`` with lone surrogates replaced by U+FFFD so that it encodes as UTF-8; nothing else changes."""
    return _SURROGATE.sub("\ufffd", text)


def points(value: float) -> float:
    """``value`` rounded for files: 4 decimals, always a float, never ``-0.0``.

    Raises ``ValueError`` for NaN or infinity, which no JSON/XML consumer could read.
    """
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"points must be a finite number, got {value!r} of type {type(value).__name__}")
    return round(value, POINTS_DECIMALS) + 0.0


def fmt_points(value: float) -> str:
    """``value`` for people: ``3``, ``1.5``, ``0.33`` (at most two decimals, no trailing zeros)."""
    text = f"{points(value):.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def fmt_attr_points(value: float) -> str:
    """``value`` for machine-read text attributes: up to 4 decimals, no trailing zeros (``2``, ``0.3333``)."""
    text = f"{points(value):.{POINTS_DECIMALS}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def plural(count: int, noun: str) -> str:
    """``1 statement``, ``3 statements``."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def skipped_note(result: object) -> str:
    """``3 checks skipped: no CUDA device; the maximum excludes them`` ('' when none was skipped).

    A skipped check's message starts with its reasons (``grader.checks.core.skipped_result``)."""
    reasons: dict[str, int] = {}
    for item in getattr(result, "items", ()):
        for check in item.checks:
            if check.outcome == "skipped":
                reason = (check.message or "a requirement was not met").partition(":")[0]
                reasons[reason] = reasons.get(reason, 0) + 1
    if not reasons:
        return ""
    total = sum(reasons.values())
    return (f"{plural(total, 'check')} skipped: {', '.join(reasons)}; the maximum excludes "
            f"{'it' if total == 1 else 'them'}")
