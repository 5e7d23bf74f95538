"""What the help-desk and contact-centre importers share: reading API responses as saved by an
export (one JSON document per file, or one per line), and small value readers.

An export that pages through an API writes each response body either to its own file or as
one line of a JSON Lines file; both are read here, plain or gzip. A line that is not JSON is
rejected with its number and the rest read on.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cs_score.importers._common import (
    ImportFault,
    Rejected,
    from_epoch_ms,
    open_input,
    parse_iso,
)

MAX_DOCUMENT_BYTES = 256 * 1024 * 1024
"""Largest export file read (each is held while it is read)."""


@dataclass(frozen=True, slots=True)
class Document:
    """One API response body and where it was read: its file and its line (1 for a file that
    is one document, then `whole`)."""

    file: str
    line: int
    body: Any
    whole: bool = False


def read_documents(path: str) -> Iterator[Document | Rejected]:
    """The response bodies in one input: the whole file when it is one JSON document, else
    each non-blank line (a line that is not JSON is rejected)."""
    with open_input(path) as (name, stream):
        try:
            data = stream.read(MAX_DOCUMENT_BYTES + 1)
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            raise ImportFault(f"{name}: damaged gzip data ({exc})") from None
        except OSError as exc:
            raise ImportFault(f"{name}: read failed ({exc})") from None
    if len(data) > MAX_DOCUMENT_BYTES:
        raise ImportFault(f"{name}: larger than {MAX_DOCUMENT_BYTES:,} bytes; split the export")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFault(f"{name}: not valid UTF-8") from None
    try:
        whole = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        pass
    else:
        yield Document(name, 1, whole, whole=True)
        return
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            yield Document(name, number, json.loads(line))
        except json.JSONDecodeError as exc:
            yield Rejected(name, number, f"not valid JSON ({exc.msg} at column {exc.colno})")
        except RecursionError:
            yield Rejected(name, number, "JSON nested too deeply")


class Reject(Exception):
    """Why one conversation (ticket, call) cannot be imported."""


def obj(value: Any) -> dict[str, Any]:
    """`value` when it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


def items(value: Any) -> list[Any]:
    """`value` when it is a JSON array, else an empty one."""
    return value if isinstance(value, list) else []


def text(value: Any) -> str:
    """A JSON string stripped, or "" for anything else."""
    return value.strip() if isinstance(value, str) else ""


def ident(value: Any) -> str:
    """An id written as a JSON number or string, as text ("" when absent)."""
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value.strip() if isinstance(value, str) else ""


def iso_time(value: Any, what: str) -> datetime:
    """An ISO 8601 time with its offset; raises Reject naming the field."""
    if not isinstance(value, str) or not value.strip():
        raise Reject(f"missing {what}")
    try:
        when = parse_iso(value)
    except ValueError:
        raise Reject(f"bad {what} {json.dumps(value)}") from None
    if when.tzinfo is None:
        raise Reject(f"bad {what} {json.dumps(value)} (no time zone offset)")
    return when


def epoch_seconds(value: Any, what: str) -> datetime:
    """A time in whole or fractional seconds since the Unix epoch; raises Reject."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Reject(f"bad {what} {json.dumps(value)} (expected seconds since 1970)")
    try:
        return from_epoch_ms(value * 1000)
    except (OverflowError, ValueError):
        raise Reject(f"bad {what} {json.dumps(value)}") from None
