"""One evaluation run: read lines → decode and score (in worker processes if asked) → collect.

The collector is the only stateful stage. It sees results in input order, rejects repeated ids,
remembers which promises are still open and which later events fulfil them, and folds finished
results into a `ReportPart`. A result whose promises are open is held (memory is bounded by the
open promises, not by the log) and settled once the input ends and the as-of time is known.
When the output lists interactions, finished results are spooled to a temporary file, so memory
stays flat however long the log is.
"""

from __future__ import annotations

import multiprocessing
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import IO, Any

import msgspec

from cs_score import engine
from cs_score.engine import InteractionResult
from cs_score.errors import InputError
from cs_score.records import (
    MAX_LINE_BYTES,
    Decoded,
    RawLine,
    Rejection,
    decode,
    read_lines,
    timestamps,
)
from cs_score.report import ReportPart
from cs_score.ruleset import RuleSet

BATCH_LINES = 2000


@dataclass(frozen=True)
class RunOptions:
    """How to run: the as-of time, grouping, parallelism, and whether results are kept."""

    as_of: datetime | None = None
    group_by: tuple[str, ...] = ()
    jobs: int = 1
    keep_results: bool = False
    max_line_bytes: int = MAX_LINE_BYTES


@dataclass
class RunResult:
    """What a run produced: the merged report part, the as-of time, and the results in order."""

    part: ReportPart
    as_of: datetime | None
    results: ResultStore | None
    faults: list[str] = field(default_factory=list)
    fulfils_unmatched: int = 0


def check_inputs(paths: list[str]) -> None:
    """Fail before scoring anything if an input cannot be opened."""
    if paths.count("-") > 1:
        raise InputError("-: standard input can be read only once")
    for path in paths:
        if path == "-":
            continue
        if os.path.isdir(path):
            raise InputError(f"{path}: is a directory, not a log file")
        if not os.path.exists(path):
            raise InputError(f"{path}: no such file")
        if not os.access(path, os.R_OK):
            raise InputError(f"{path}: permission denied")


def score_lines(
    lines: list[RawLine],
    first_seq: int,
    ruleset: RuleSet,
    as_of: datetime | None,
    max_line_bytes: int,
) -> list[InteractionResult | Rejection]:
    """Decode and score a batch of lines (runs in a worker process when `--jobs` > 1)."""
    out: list[InteractionResult | Rejection] = []
    zone = ruleset.zone
    for offset, raw in enumerate(lines):
        decoded = decode(raw, zone, max_line_bytes)
        if isinstance(decoded, Rejection):
            out.append(decoded)
        else:
            out.append(engine.score(decoded, ruleset, first_seq + offset, as_of))
    return out


class ResultStore:
    """Finished results in input order, spooled to a temporary file; open ones held in memory."""

    def __init__(self) -> None:
        self._spool: IO[bytes] = tempfile.TemporaryFile(prefix="cs-score-")  # noqa: SIM115
        self._held: dict[int, dict[str, Any]] = {}
        self._encoder = msgspec.json.Encoder()
        self.count = 0

    def write(self, result: InteractionResult) -> None:
        self._spool.write(b"%d\t" % result.seq)
        self._spool.write(self._encoder.encode(result.to_dict()))
        self._spool.write(b"\n")
        self.count += 1

    def add_settled(self, result: InteractionResult) -> None:
        self._held[result.seq] = result.to_dict()
        self.count += 1

    def __iter__(self) -> Iterator[dict[str, Any]]:
        self._spool.flush()
        self._spool.seek(0)
        held = sorted(self._held)
        position = 0
        for line in self._spool:
            seq_text, _, body = line.partition(b"\t")
            seq = int(seq_text)
            while position < len(held) and held[position] < seq:
                yield self._held[held[position]]
                position += 1
            yield msgspec.json.decode(body)
        for seq in held[position:]:
            yield self._held[seq]

    def close(self) -> None:
        self._spool.close()


class Collector:
    """Sees every result in input order; the one place that holds run-wide state."""

    def __init__(self, ruleset: RuleSet, options: RunOptions) -> None:
        self.ruleset = ruleset
        self.options = options
        self.part = ReportPart(ruleset, options.group_by)
        self.store = ResultStore() if options.keep_results else None
        self._ids: set[str] = set()
        self._held: dict[int, InteractionResult] = {}
        self._open: dict[str, int] = {}
        self._fulfilled: dict[str, datetime] = {}
        self.fulfils_unmatched = 0

    def take(self, item: InteractionResult | Rejection) -> None:
        if isinstance(item, Rejection):
            self.part.reject(item)
            return
        if item.id in self._ids:
            self.part.reject(
                Rejection(item.source.file, item.source.line, f"duplicate id {item.id!r}")
            )
            return
        self._ids.add(item.id)
        self.part.note_latest(item.latest)
        self._note_fulfils(item.fulfills)
        if item.is_open:
            self._held[item.seq] = item
            for promise_id in item.promise_ids():
                self._open[promise_id] = item.seq
            return
        self._finish(item)

    def pass_over(self, decoded: Decoded) -> bool:
        """Take note of an interaction without scoring it; False if its id was seen before.

        What one interaction can change in another's result is noted exactly as `take` notes
        it: its id (a later repeat is rejected), its latest time (the default as-of) and the
        promises it keeps. Used when only one interaction's result is wanted (`explain`).
        """
        record = decoded.interaction
        if record.id in self._ids:
            self.part.reject(
                Rejection(decoded.source.file, decoded.source.line, f"duplicate id {record.id!r}")
            )
            return False
        self._ids.add(record.id)
        self.part.note_latest(max(timestamps(record), default=None))
        self._note_fulfils(engine.fulfilments(record))
        return True

    def _note_fulfils(self, fulfills: list[tuple[str, datetime]]) -> None:
        for promise_id, at in fulfills:
            if promise_id in self._open:
                previous = self._fulfilled.get(promise_id)
                if previous is None or at < previous:
                    self._fulfilled[promise_id] = at
            else:
                self.fulfils_unmatched += 1

    def _finish(self, result: InteractionResult) -> None:
        self.part.add(result)
        if self.store is not None:
            self.store.write(result)

    def close(self) -> datetime | None:
        """Settle the held results against the as-of time; returns the as-of time used."""
        as_of = self.options.as_of or self.part.latest
        for seq in sorted(self._held):
            result = self._held.pop(seq)
            engine.settle(result, self.ruleset, self._fulfilled, as_of)
            self.part.add(result)
            if self.store is not None:
                self.store.add_settled(result)
        self._open.clear()
        self._fulfilled.clear()
        return as_of


def _batches(paths: list[str], max_line_bytes: int, faults: list[str]) -> Iterator[list[RawLine]]:
    for path in paths:
        lines = read_lines(path, max_line_bytes)
        while True:
            try:
                batch = list(islice(lines, BATCH_LINES))
            except InputError as exc:
                faults.append(str(exc))
                break
            if not batch:
                break
            yield batch


_worker_ruleset: RuleSet | None = None
_worker_options: RunOptions | None = None


def _init_worker(ruleset: RuleSet, options: RunOptions) -> None:
    global _worker_ruleset, _worker_options
    _worker_ruleset, _worker_options = ruleset, options


def _work(job: tuple[int, list[RawLine]]) -> list[InteractionResult | Rejection]:
    assert _worker_ruleset is not None and _worker_options is not None
    first_seq, lines = job
    return score_lines(
        lines, first_seq, _worker_ruleset, _worker_options.as_of, _worker_options.max_line_bytes
    )


def _numbered(batches: Iterable[list[RawLine]]) -> Iterator[tuple[int, list[RawLine]]]:
    seq = 0
    for batch in batches:
        yield seq, batch
        seq += len(batch)


def evaluate(
    paths: list[str],
    ruleset: RuleSet,
    options: RunOptions,
    progress: Callable[[int], None] | None = None,
) -> RunResult:
    """Score every line of every input; nothing is lost: each line is scored or rejected."""
    check_inputs(paths)
    collector = Collector(ruleset, options)
    faults: list[str] = []
    jobs = _numbered(_batches(paths, options.max_line_bytes, faults))
    if options.jobs <= 1:
        for first_seq, lines in jobs:
            for item in score_lines(
                lines, first_seq, ruleset, options.as_of, options.max_line_bytes
            ):
                collector.take(item)
            if progress:
                progress(len(lines))
    else:
        context = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
        with context.Pool(options.jobs, _init_worker, (ruleset, options)) as pool:
            for items in pool.imap(_work, jobs, chunksize=1):
                for item in items:
                    collector.take(item)
                if progress:
                    progress(len(items))
    as_of = collector.close()
    return RunResult(collector.part, as_of, collector.store, faults, collector.fulfils_unmatched)


@dataclass
class Found:
    """One interaction's result, looked up in the input, and how much input it took."""

    result: InteractionResult | None
    read: int
    rejected: int
    as_of: datetime | None
    read_all: bool
    """False when reading stopped early: the result was final before the end of the input."""


def find_interaction(
    paths: list[str],
    ruleset: RuleSet,
    interaction_id: str,
    as_of: datetime | None = None,
    max_line_bytes: int = MAX_LINE_BYTES,
) -> Found:
    """The result `evaluate` gives one interaction, without scoring any other.

    Every line up to the interaction is decoded (its id may repeat an earlier one, and earlier
    times count towards the as-of time) but not scored. If its result is final at once, reading
    stops there. If it waits on promises, the rest of the input is read for the events that keep
    them and for the latest time, and the result is settled as `evaluate` settles it.
    """
    check_inputs(paths)
    collector = Collector(ruleset, RunOptions(as_of=as_of, max_line_bytes=max_line_bytes))
    zone = ruleset.zone
    target: InteractionResult | None = None
    read = 0
    for path in paths:
        for raw in read_lines(path, max_line_bytes):
            read += 1
            decoded = decode(raw, zone, max_line_bytes)
            if isinstance(decoded, Rejection):
                collector.take(decoded)
            elif target is not None or decoded.interaction.id != interaction_id:
                collector.pass_over(decoded)
            else:
                target = engine.score(decoded, ruleset, read, as_of)
                collector.take(target)
                if not target.is_open:
                    rejected = len(collector.part.rejections)
                    return Found(target, read, rejected, as_of, read_all=False)
    used_as_of = collector.close()
    return Found(target, read, len(collector.part.rejections), used_as_of, read_all=True)
