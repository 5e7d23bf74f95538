"""`jsonl`: one interaction result a line, for `jq`, DuckDB and anything that reads a stream.

Each line is the same object as an item of the `json` report's `interactions`: `id`, `source`
(`{file, line}`), `score`, `grade`, `passed`, `critical_failure`, the record's `agent`, `team`,
`channel` and `case` when it has them, and `rules`. Lines come in input order, once the run has
finished (an interaction whose promise is kept later in the input is only final at the end).
There is no summary line: use `json` or `markdown` for that. Rejected lines are not written
here; they are named on stderr.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from cs_score.formats.base import FormatOptions, json_texts
from cs_score.report import Report


class JsonLinesFormat:
    shows_groups = False
    takes_details = False
    needs_results = True

    def __init__(self, options: FormatOptions) -> None:
        self.options = options

    def render(self, report: Report, results: Iterable[dict[str, Any]]) -> Iterator[str]:
        for text in json_texts(results):
            yield text + "\n"
