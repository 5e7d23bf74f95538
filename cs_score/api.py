"""The Python API: everything the command line does, as functions a program or notebook calls.

The command line is built on these functions, so a report made here is the report
`cs-score evaluate` prints, byte for byte. Every name below is also importable from `cs_score`
itself (`from cs_score import score_records`). See docs/api.md for a walk-through.

- `load_ruleset` — a rules file or a bundled rule set.
- `score_record`, `score_records` — records (dicts, JSON text or bytes) → interaction results.
- `fold` — results → a `ReportPart`; `merge` — parts → one part (parts merge exactly).
- `build_report` — a part → the `Report` with the gate's verdict.
- `render` — a report and its results → `table`, `json`, … text.
- `evaluate` — JSON Lines files → a `RunResult`, as `cs-score evaluate` scores them.
"""

from __future__ import annotations

import collections
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

import msgspec

from cs_score import formats
from cs_score import ruleset as ruleset_module
from cs_score.engine import InteractionResult
from cs_score.errors import UserError
from cs_score.formats import FormatOptions
from cs_score.formats.base import json_texts
from cs_score.pipeline import Ledger, RunOptions, RunResult, duplicate_reason, score_line
from cs_score.pipeline import evaluate as evaluate_paths
from cs_score.records import MAX_LINE_BYTES, RawLine, Rejection
from cs_score.report import GateSettings, Report, ReportPart, build_report, group_specs
from cs_score.ruleset import RuleSet

Record = Mapping[str, Any] | str | bytes
"""One interaction record: a dict (as `json.loads` gives), or one line of JSON text or bytes."""

Scored = InteractionResult | Rejection
"""What scoring one record gives: a result, or the reason the record was rejected."""

RECORDS_SOURCE = "<records>"
"""The `source.file` of records scored from memory; `source.line` is their 1-based position."""


class RecordError(UserError):
    """A record that cannot be scored; `rejection` says where (file, line) and why."""

    def __init__(self, rejection: Rejection) -> None:
        self.rejection = rejection
        super().__init__(str(rejection))


def load_ruleset(rules: str | os.PathLike[str] | None = None) -> RuleSet:
    """Load a rules file (a path) or a bundled rule set (a name such as `social-care`).

    None loads the bundled `default`. A rule set that cannot be used raises `RuleSetError`,
    whose `problems` each name the file, line and column.
    """
    return ruleset_module.load_ruleset(None if rules is None else os.fspath(rules))


def _raw_line(record: Record, source: str, line: int, max_line_bytes: int) -> RawLine | Rejection:
    """A record as the line a JSON Lines file would hold, so it is validated exactly the same."""
    if isinstance(record, bytes):
        data = record
    elif isinstance(record, str):
        data = record.encode("utf-8", "surrogatepass")
    else:
        try:
            data = msgspec.json.encode(record)
        except (TypeError, msgspec.EncodeError, OverflowError) as exc:
            return Rejection(source, line, f"not JSON data ({exc})")
    if len(data) > max_line_bytes:
        return RawLine(source, line, None)
    return RawLine(source, line, data)


def score_records(
    records: Iterable[Record],
    ruleset: RuleSet,
    *,
    as_of: datetime | None = None,
    source: str = RECORDS_SOURCE,
    max_line_bytes: int = MAX_LINE_BYTES,
) -> Iterator[Scored]:
    """Score records in order: one `InteractionResult` or `Rejection` for each non-blank record.

    Exactly as `cs-score evaluate` scores the lines of a file: the same validation and reasons,
    a repeated id rejected (the first one is scored), and promises kept by a later record's
    `fulfills` event credited. Promises are judged against `as_of`, by default the latest
    timestamp in the records, so results whose promises are open are known only once the
    records end: from the first such result on, results are held back until then, so that
    everything is still given in input order. Results carry `source` (`source`, position).
    """
    ledger = Ledger()
    waiting: collections.deque[Scored] = collections.deque()
    latest: datetime | None = None
    zone = ruleset.zone
    for seq, record in enumerate(records):
        number = seq + 1
        if isinstance(record, str | bytes) and not record.strip():
            continue  # as in a file: a blank line is skipped and not counted
        raw = _raw_line(record, source, number, max_line_bytes)
        item = (
            score_line(raw, seq, ruleset, as_of, max_line_bytes, zone)
            if isinstance(raw, RawLine)
            else raw
        )
        if isinstance(item, InteractionResult):
            if ledger.claim([(seq, item.id)]):
                item = Rejection(source, number, duplicate_reason(item.id))
            else:
                if item.latest is not None and (latest is None or item.latest > latest):
                    latest = item.latest
                ledger.take(item.fulfills)
                if item.is_open:
                    ledger.take([item])
        if waiting or (isinstance(item, InteractionResult) and item.is_open):
            waiting.append(item)
        else:
            yield item
    settled = {result.seq: result for result in ledger.settle(ruleset, as_of or latest)}
    for item in waiting:
        yield settled.get(item.seq, item) if isinstance(item, InteractionResult) else item


def score_record(
    record: Record, ruleset: RuleSet, *, as_of: datetime | None = None
) -> InteractionResult:
    """Score one record on its own (its promises judged against `as_of` or its own latest time).

    A record that would be rejected raises `RecordError`, with the reason a log would give.
    """
    if isinstance(record, str | bytes) and not record.strip():
        raise RecordError(Rejection(RECORDS_SOURCE, 1, "empty record"))
    for item in score_records([record], ruleset, as_of=as_of):
        if isinstance(item, Rejection):
            raise RecordError(item)
        return item
    raise AssertionError("a record gives exactly one result")  # pragma: no cover


def fold(
    results: Iterable[Scored], ruleset: RuleSet, *, group_by: Sequence[str] = ()
) -> ReportPart:
    """Fold scored records (as `score_records` gives them, in order) into a report part.

    `group_by` takes what `--group-by` takes: agent, team, channel, case, day, attributes.NAME.
    Rejections count as rejected lines. A result whose promises are still open is refused:
    only `score_records` knows the whole input, so only it can settle them.
    """
    specs = group_specs(group_by)
    part = ReportPart(ruleset, specs)
    seq = -1
    for item in results:
        if isinstance(item, Rejection):
            seq += 1  # a rejection sits right after what came before it
            part.reject(item, seq)
            continue
        if item.is_open:
            raise ValueError(f"{item.id}: its promises are not settled yet; use score_records")
        seq = item.seq
        part.add(item)
        part.note_latest(item.latest)
    return part


def merge(parts: Iterable[ReportPart], ruleset: RuleSet | None = None) -> ReportPart:
    """One part holding every given part: the same report whatever the split or the order.

    Parts that came through pickle (from other processes) carry no rule set; give `ruleset`
    then, or put a part that has one first.
    """
    parts = list(parts)
    ruleset = ruleset or next((p.ruleset for p in parts if p.ruleset is not None), None)
    if ruleset is None:
        raise ValueError("merge needs a rule set: none was given and no part carries one")
    group_by = tuple(dict.fromkeys(spec for p in parts for spec in p.group_by))
    merged = ReportPart(ruleset, group_by)
    for part in parts:
        merged.merge(part)
    return merged


class _Dicts:
    """Results as plain dicts, readable more than once (some formats count first)."""

    def __init__(self, results: Iterable[Scored | Mapping[str, Any]]) -> None:
        self._results = results

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return _as_dicts(self._results)

    def json_texts(self) -> Iterator[str]:
        """The results as the `json` and `jsonl` outputs write them (see
        `formats.base.json_texts`); a run's stored results have that text already."""
        stored = getattr(self._results, "json_texts", None)
        return stored() if stored is not None else json_texts(_as_dicts(self._results))


def _as_dicts(results: Iterable[Scored | Mapping[str, Any]]) -> Iterator[dict[str, Any]]:
    for item in results:
        if isinstance(item, InteractionResult):
            yield item.to_dict()
        elif isinstance(item, dict):
            yield item
        elif not isinstance(item, Rejection):  # rejections are in the report's errors
            yield dict(item)


def needs_results(format: str = "table", options: FormatOptions | None = None) -> bool:
    """Whether a format lists every interaction (so a run must keep the results for it)."""
    return _format(format, options).needs_results


def _format(name: str, options: FormatOptions | None) -> formats.Format:
    try:
        return formats.get(name, options or FormatOptions())
    except KeyError as exc:
        raise ValueError(exc.args[0]) from None


def render_chunks(
    report: Report,
    results: Iterable[Scored | Mapping[str, Any]] = (),
    format: str = "table",
    options: FormatOptions | None = None,
) -> Iterator[str]:
    """The output in pieces, streamed (what the command line writes); see `render`."""
    fmt = _format(format, options)
    yield from fmt.render(report, _Dicts(results))


def render(
    report: Report,
    results: Iterable[Scored | Mapping[str, Any]] = (),
    format: str = "table",
    options: FormatOptions | None = None,
) -> str:
    """The report as `cs-score evaluate --format FORMAT` writes it (`table`, `json`, …).

    `results` are the interaction results in input order (objects, or dicts as
    `RunResult.results` holds them); formats that list interactions need them, others ignore
    them. `options` sets colour, width and `details` (the table's list of every interaction).
    """
    return "".join(render_chunks(report, results, format, options))


def evaluate(
    paths: Sequence[str | os.PathLike[str]],
    ruleset: RuleSet,
    *,
    as_of: datetime | None = None,
    group_by: Sequence[str] = (),
    jobs: int = 1,
    keep_results: bool = True,
    max_line_bytes: int = MAX_LINE_BYTES,
    progress: Callable[[int], None] | None = None,
) -> RunResult:
    """Score JSON Lines files (`.jsonl`, gzip by content, `-` for stdin) as the command line does.

    `jobs` worker processes score batches in parallel (the same report as one). With
    `keep_results`, every interaction result is kept, in input order, in a temporary file
    (`RunResult.results`; call `RunResult.close()` when done). `RunResult.report()` gives the
    report; an unreadable input raises `InputError` before anything is scored.
    """
    specs = group_specs(group_by)
    options = RunOptions(
        as_of=as_of,
        group_by=specs,
        jobs=jobs,
        keep_results=keep_results,
        max_line_bytes=max_line_bytes,
    )
    return evaluate_paths([os.fspath(p) for p in paths], ruleset, options, progress)


__all__ = [
    "RECORDS_SOURCE",
    "FormatOptions",
    "GateSettings",
    "InteractionResult",
    "Record",
    "RecordError",
    "Rejection",
    "Report",
    "ReportPart",
    "RuleSet",
    "RunResult",
    "Scored",
    "build_report",
    "evaluate",
    "fold",
    "load_ruleset",
    "merge",
    "needs_results",
    "render",
    "render_chunks",
    "score_record",
    "score_records",
]
