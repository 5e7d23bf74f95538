"""`json`: one JSON document with the whole report, for `jq`, DuckDB and dashboards.

Top-level keys, in order: schema_version, tool, rules, inputs, summary, rules_summary, groups,
worst, interactions, errors, warnings, gate, notes. Each interaction is written on one line, so
the document streams however many there are.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from cs_score.formats.base import FormatOptions, json_texts
from cs_score.report import Report


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)


class JsonFormat:
    takes_details = False
    needs_results = True

    def __init__(self, options: FormatOptions) -> None:
        self.options = options

    def render(self, report: Report, results: Iterable[dict[str, Any]]) -> Iterator[str]:
        yield "{\n"
        for key, value in report.header().items():
            yield f"  {json.dumps(key)}: {_indent(_dump(value))},\n"
        yield '  "interactions": ['
        first = True
        for text in json_texts(results):
            yield ("\n    " if first else ",\n    ") + text
            first = False
        yield "\n  ],\n" if not first else "],\n"
        trailer = list(report.trailer().items())
        for index, (key, value) in enumerate(trailer):
            comma = "," if index < len(trailer) - 1 else ""
            yield f"  {json.dumps(key)}: {_indent(_dump(value))}{comma}\n"
        yield "}\n"


def _indent(text: str) -> str:
    return text.replace("\n", "\n  ")
