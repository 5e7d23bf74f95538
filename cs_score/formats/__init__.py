"""Output formats: each one small class behind one interface, pure report → text.

A format is built with its options and renders a finished `Report` together with the
interaction results (in input order, as plain dicts) into chunks of text. It never scores and
never writes: the CLI decides where the text goes. `FORMATS` maps each name `--format` accepts
to its class; it is the one list of formats.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from enum import StrEnum

from cs_score.formats.base import Format, FormatOptions, printable
from cs_score.formats.csv import CsvFormat
from cs_score.formats.html import HtmlFormat
from cs_score.formats.json import JsonFormat
from cs_score.formats.jsonl import JsonLinesFormat
from cs_score.formats.junit import JUnitFormat
from cs_score.formats.markdown import MarkdownFormat
from cs_score.formats.table import TableFormat


class FormatName(StrEnum):
    """The names `--format` accepts."""

    table = "table"
    json = "json"
    jsonl = "jsonl"
    junit = "junit"
    markdown = "markdown"
    csv = "csv"
    html = "html"


FORMATS: dict[FormatName, Callable[[FormatOptions], Format]] = {
    FormatName.table: TableFormat,
    FormatName.json: JsonFormat,
    FormatName.jsonl: JsonLinesFormat,
    FormatName.junit: JUnitFormat,
    FormatName.markdown: MarkdownFormat,
    FormatName.csv: CsvFormat,
    FormatName.html: HtmlFormat,
}


def ignored_options(name: FormatName, group_by: bool, details: bool) -> list[str]:
    """What a format would leave out of the options asked for, each as the message that says
    so: a format shows groups and takes `--details` unless its class says otherwise
    (`shows_groups = False`, `takes_details = False`)."""
    kind = FORMATS[name]
    ignored = []
    if group_by and not getattr(kind, "shows_groups", True):
        shown = [str(n) for n, k in FORMATS.items() if getattr(k, "shows_groups", True)]
        ignored.append(
            f"--group-by: the {name} format has no groups (one row per interaction); "
            f"groups are shown by {', '.join(shown)}"
        )
    if details and not getattr(kind, "takes_details", True):
        shown = [str(n) for n, k in FORMATS.items() if getattr(k, "takes_details", True)]
        ignored.append(
            f"--details: the {name} format always lists every interaction; "
            f"--details is for {', '.join(shown)}"
        )
    return ignored


def get(name: str, options: FormatOptions) -> Format:
    """The format of that name, built with its options; an unknown name raises KeyError."""
    try:
        key = FormatName(name)
    except ValueError:
        known = [str(n) for n in FormatName]
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise KeyError(f"unknown format {name!r} (known: {', '.join(known)}){hint}") from None
    return FORMATS[key](options)


__all__ = [
    "FORMATS",
    "Format",
    "FormatName",
    "FormatOptions",
    "get",
    "ignored_options",
    "printable",
]
