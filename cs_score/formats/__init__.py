"""Output formats: each one small class behind one interface, pure report → text.

A format is built with its options and renders a finished `Report` together with the
interaction results (in input order, as plain dicts) into chunks of text. It never scores and
never writes: the CLI decides where the text goes.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from cs_score.report import Report


@dataclass(frozen=True)
class FormatOptions:
    """How the person or program reading the output wants it."""

    color: bool = False
    width: int = 100
    details: bool = False


class Format(Protocol):
    """Renders a report (and, if it needs them, every interaction result) as text."""

    needs_results: bool

    def render(self, report: Report, results: Iterable[dict[str, Any]]) -> Iterator[str]: ...


class FormatName(StrEnum):
    """The names `--format` accepts."""

    table = "table"
    json = "json"


def get(name: str, options: FormatOptions) -> Format:
    """The format of that name, built with its options; an unknown name raises KeyError."""
    from cs_score.formats import json as json_format
    from cs_score.formats import table

    formats: dict[str, type[Any]] = {"table": table.TableFormat, "json": json_format.JsonFormat}
    if name not in formats:
        close = difflib.get_close_matches(name, list(formats), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise KeyError(f"unknown format {name!r} (known: {', '.join(formats)}){hint}")
    instance: Format = formats[name](options)
    return instance
