"""Durations as people write them in a rule set: `90s`, `1m30s`, `4h`, `2d`, or seconds."""

from __future__ import annotations

import math
import re
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}


MAX_DURATION = 3650 * 86400.0
"""Ten years: longer than any target or window, short of what dates can add up to."""


def parse_duration(value: Any) -> float:
    """Seconds in a duration; raises ValueError with the accepted forms."""
    seconds = _seconds(value)
    if not math.isfinite(seconds) or seconds > MAX_DURATION:
        raise ValueError("a duration can be at most 3650d (ten years)")
    return seconds


def _seconds(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError("expected a duration such as 90s, 1m30s, 4h, 2d or a number of seconds")
    if isinstance(value, int | float):
        if value < 0:
            raise ValueError("a duration cannot be negative")
        return float(value)
    if isinstance(value, str):
        text = value.strip().replace(" ", "")
        if text and _PART.sub("", text) == "":
            return sum(float(n) * _UNITS[unit] for n, unit in _PART.findall(text))
    raise ValueError(
        f"expected a duration such as 90s, 1m30s, 4h, 2d or a number of seconds, got {value!r}"
    )


def format_duration(seconds: float) -> str:
    """A short human form: 45s, 1m30s, 4h, 2d3h."""
    if seconds < 0:
        return "-" + format_duration(-seconds)
    if seconds < 60 and seconds != int(seconds):
        return f"{seconds:.1f}s"
    total = round(seconds)
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, total = divmod(total, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"


DURATION_JSON_SCHEMA: dict[str, Any] = {
    # One schema rather than anyOf: a pattern only applies to text and a minimum only to
    # numbers, and editors show one description instead of one per alternative.
    "type": ["string", "number"],
    "pattern": r"^\s*([0-9]+(\.[0-9]+)? *(ms|s|m|h|d|w) *)+$",
    "minimum": 0,
    # Shown by editors (VS Code, yaml-language-server) instead of the pattern.
    "errorMessage": "expected a duration such as 90s, 1m30s, 4h, 2d or a number of seconds",
}
"""How a duration looks in the JSON Schema of rules files: a text like `90s`, or seconds."""

Duration = Annotated[
    float,
    BeforeValidator(parse_duration),
    PlainSerializer(format_duration, return_type=str, when_used="json"),
    WithJsonSchema(DURATION_JSON_SCHEMA),
]
"""A duration in seconds, read from any of the accepted forms."""


def shown_duration(seconds: float | None) -> str:
    """A duration as reports show it: `format_duration`, or "–" when there is none."""
    return "–" if seconds is None else format_duration(seconds)
