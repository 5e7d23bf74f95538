"""One evaluation run: read lines → decode and score (in worker processes if asked) → collect.

The collector is the only stateful stage. It sees results in input order, rejects repeated ids,
remembers which promises are still open and which later events fulfil them, and folds finished
results into a `ReportPart`. A result whose promises are open is held (memory is bounded by the
open promises, not by the log) and settled once the input ends and the as-of time is known.
When the output lists interactions, finished results are spooled to a temporary file, so memory
stays flat however long the log is.
"""

from __future__ import annotations

import collections
import itertools
import multiprocessing
import os
import signal
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import IO, Any

import msgspec

from cs_score import engine
from cs_score.engine import InteractionResult
from cs_score.errors import InputError
from cs_score.records import MAX_LINE_BYTES, RawLine, Rejection, decode, read_lines
from cs_score.report import GateSettings, Report, ReportPart, build_report
from cs_score.ruleset import RuleSet

BATCH_LINES = 2000


@dataclass(frozen=True, slots=True)
class OpenPromises:
    """An open result reduced to what settling needs to know: its position and promise ids.

    A Dask run sends these to the client instead of whole results, which stay on the workers.
    """

    seq: int
    promise_ids: tuple[str, ...]


PendingItem = InteractionResult | OpenPromises | tuple[str, datetime]
"""What waits for the whole input: an open result (or just its promise ids), or
(promise id, time) of a fulfilling event."""


@dataclass(frozen=True)
class RunOptions:
    """How to run: the as-of time, grouping, parallelism, and whether results are kept."""

    as_of: datetime | None = None
    group_by: tuple[str, ...] = ()
    jobs: int = 1
    keep_results: bool = False
    max_line_bytes: int = MAX_LINE_BYTES
    batch_lines: int = BATCH_LINES
    """Lines sent to a worker at a time."""


@dataclass
class RunResult:
    """What a run produced: the merged report part, the as-of time, and the results in order.

    `results` holds every interaction result (as the outputs write them, in input order) when
    the run was asked to keep them; `faults` names inputs that ended early (a damaged `.gz`),
    after the lines read before the damage were scored.
    """

    part: ReportPart
    as_of: datetime | None
    results: ResultStore | None
    faults: list[str] = field(default_factory=list)
    fulfils_unmatched: int = 0

    def notes(self) -> list[str]:
        """What the report's `notes` say about this run (unmatched fulfilments, sorted events)."""
        notes = []
        if self.fulfils_unmatched:
            notes.append(
                f"{self.fulfils_unmatched} event(s) fulfil a promise that was not open at that "
                "point (unknown id, already kept, or made later in the input)"
            )
        if self.part.events_reordered:
            notes.append(
                f"{self.part.events_reordered} interaction(s) had events out of time order; "
                "they were sorted"
            )
        return notes

    def report(self, gate: GateSettings | None = None, inputs: Sequence[str] = ()) -> Report:
        """The report of this run, with the gate's verdict (the rule set's gate by default)."""
        return build_report(self.part, gate, inputs, self.as_of, self.notes())

    def close(self) -> None:
        """Remove the temporary file that holds the results, if any."""
        if self.results is not None:
            self.results.close()


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


@dataclass
class BatchOutcome:
    """What scoring one batch of lines produced, small enough to send between processes.

    Finished results are already folded into `part` (and, when the output lists interactions,
    encoded into `spool`); only what needs the whole input travels as objects: results whose
    promises are still open, and events that fulfil an earlier interaction's promise.
    """

    first_seq: int
    part: ReportPart
    ids: list[tuple[int, str]]
    """(seq, id) of every scored interaction, for the duplicate check."""
    pending: list[PendingItem]
    """In input order: open results, and (promise id, time) of fulfilling events."""
    spool: bytes
    latest: datetime | None


def score_line(
    raw: RawLine,
    seq: int,
    ruleset: RuleSet,
    as_of: datetime | None = None,
    max_line_bytes: int = MAX_LINE_BYTES,
    zone: tzinfo | None = None,
) -> InteractionResult | Rejection:
    """Decode and score one line: the one path every record takes, from a file or from memory.

    The result may still be open (promises that only the rest of the input can settle).
    """
    decoded = decode(raw, zone or ruleset.zone, max_line_bytes)
    if isinstance(decoded, Rejection):
        return decoded
    return engine.score(decoded, ruleset, seq, as_of)


def score_batch(
    lines: list[RawLine],
    first_seq: int,
    ruleset: RuleSet,
    options: RunOptions,
    skip: dict[int, str] | None = None,
) -> BatchOutcome:
    """Decode, score and fold a batch of lines; pure, so it runs in any worker process.

    `skip` maps the seq of a line to a reason it must be rejected whatever it holds (a
    duplicate id found by the collector).
    """
    zone = ruleset.zone
    part = ReportPart(ruleset, options.group_by)
    ids: list[tuple[int, str]] = []
    pending: list[PendingItem] = []
    spool: list[bytes] = []
    encode = msgspec.json.encode
    latest: datetime | None = None
    for offset, raw in enumerate(lines):
        seq = first_seq + offset
        if skip and seq in skip:
            part.reject(Rejection(raw.file, raw.line, skip[seq]), seq)
            continue
        result = score_line(raw, seq, ruleset, options.as_of, options.max_line_bytes, zone)
        if isinstance(result, Rejection):
            part.reject(result, seq)
            continue
        ids.append((seq, result.id))
        if result.latest is not None and (latest is None or result.latest > latest):
            latest = result.latest
        pending.extend(result.fulfills)
        if result.is_open:
            pending.append(result)
            continue
        part.add(result)
        if options.keep_results:
            spool.append(b"%d\t%b\n" % (seq, encode(result.to_dict())))
    return BatchOutcome(first_seq, part, ids, pending, b"".join(spool), latest)


def absorb(first: BatchOutcome, later: BatchOutcome) -> BatchOutcome:
    """Fold a later outcome into an earlier one, keeping input order; returns `first`.

    Parts merge exactly; ids, pending items and spooled results are concatenated in order.
    """
    first.part.merge(later.part)
    first.ids.extend(later.ids)
    first.pending.extend(later.pending)
    first.spool += later.spool
    if later.latest is not None and (first.latest is None or later.latest > first.latest):
        first.latest = later.latest
    return first


class ResultStore:
    """Finished results in input order, spooled to a temporary file; settled ones in memory."""

    def __init__(self) -> None:
        self._spool: IO[bytes] = tempfile.TemporaryFile(prefix="cs-score-")  # noqa: SIM115
        self._held: dict[int, dict[str, Any]] = {}
        self.count = 0

    def write_encoded(self, lines: bytes) -> None:
        """Append `seq<TAB>json` lines, as `score_batch` encodes them."""
        self._spool.write(lines)

    def add_settled(self, result: InteractionResult) -> None:
        self._held[result.seq] = result.to_dict()

    def add_settled_encoded(self, lines: bytes) -> None:
        """Add settled results encoded as `seq<TAB>json` lines (settled on a Dask worker)."""
        decode_line = msgspec.json.Decoder(dict[str, Any]).decode
        for line in lines.splitlines():
            seq_text, _, body = line.partition(b"\t")
            self._held[int(seq_text)] = decode_line(body)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        self._spool.flush()
        self._spool.seek(0)
        held = sorted(self._held)
        position = 0
        decode_line = msgspec.json.Decoder(dict[str, Any]).decode
        for line in self._spool:
            seq_text, _, body = line.partition(b"\t")
            seq = int(seq_text)
            while position < len(held) and held[position] < seq:
                yield self._held[held[position]]
                position += 1
            yield decode_line(body)
        for seq in held[position:]:
            yield self._held[seq]

    def close(self) -> None:
        self._spool.close()


class Ledger:
    """What only the whole input can tell: ids already seen, open promises and their keepers.

    Items arrive in input order. A repeated id is reported (the first occurrence wins); a
    result whose promises are still open is held, with its promise ids; an event that fulfils
    one of those promises is recorded against it (the earliest time counts); `settle` judges
    the held results once the input has ended. Every way of scoring shares it: batches on one
    machine (`Collector`), records in memory (`cs_score.score_records`) and the partitions of a
    Dask run, whose open promise ids and fulfilling events come to the client in input order
    (`OpenPromises`), the client's `fulfilled` map going back to the workers that hold them.
    """

    def __init__(self) -> None:
        self._ids: set[str] = set()
        self._held: dict[int, InteractionResult] = {}
        self._open: dict[str, int] = {}
        self._fulfilled: dict[str, datetime] = {}
        self.fulfils_unmatched = 0

    def duplicates(self, ids: Iterable[tuple[int, str]]) -> dict[int, str]:
        """Which of these (seq, id) pairs repeat an id seen before or earlier among them."""
        seen = self._ids
        found: dict[int, str] = {}
        batch: set[str] = set()
        for seq, record_id in ids:
            if record_id in seen or record_id in batch:
                found[seq] = duplicate_reason(record_id)
            else:
                batch.add(record_id)
        return found

    def note_ids(self, ids: Iterable[tuple[int, str]]) -> None:
        """Remember ids that were scored, so a later repeat is found."""
        self._ids.update(record_id for _, record_id in ids)

    def take(self, pending: Iterable[PendingItem]) -> None:
        """Hold open results and record fulfilling events, in input order."""
        for item in pending:
            if isinstance(item, InteractionResult):
                self._held[item.seq] = item
                for promise_id in item.promise_ids():
                    self._open[promise_id] = item.seq
                continue
            if isinstance(item, OpenPromises):
                for promise_id in item.promise_ids:
                    self._open[promise_id] = item.seq
                continue
            promise_id, at = item
            if promise_id in self._open:
                previous = self._fulfilled.get(promise_id)
                if previous is None or at < previous:
                    self._fulfilled[promise_id] = at
            else:
                self.fulfils_unmatched += 1

    @property
    def fulfilled(self) -> dict[str, datetime]:
        """Open promise id → the earliest time a later event kept it (so far)."""
        return self._fulfilled

    def settle(self, ruleset: RuleSet, as_of: datetime | None) -> list[InteractionResult]:
        """Judge every held result against the fulfilments and `as_of`; in input order."""
        settled = []
        for seq in sorted(self._held):
            result = self._held.pop(seq)
            engine.settle(result, ruleset, self._fulfilled, as_of)
            settled.append(result)
        self._open.clear()
        self._fulfilled.clear()
        return settled


def duplicate_reason(record_id: str) -> str:
    """Why a repeated id is rejected (the same words on one machine and on a cluster)."""
    return f"duplicate id {record_id!r}"


class Collector:
    """Sees every batch in input order; the one place that holds run-wide state."""

    def __init__(self, ruleset: RuleSet, options: RunOptions) -> None:
        self.ruleset = ruleset
        self.options = options
        self.part = ReportPart(ruleset, options.group_by)
        self.store = ResultStore() if options.keep_results else None
        self.ledger = Ledger()

    @property
    def fulfils_unmatched(self) -> int:
        return self.ledger.fulfils_unmatched

    def duplicates(self, outcome: BatchOutcome) -> dict[int, str]:
        """Lines of a batch whose id was seen before (in this batch or an earlier one)."""
        return self.ledger.duplicates(outcome.ids)

    def take(self, outcome: BatchOutcome) -> None:
        """Fold in a batch that has no duplicate ids (see `duplicates`).

        A batch may also be several batches already merged in input order (the ids left empty
        when duplicates were found elsewhere, as a Dask run does).
        """
        self.ledger.note_ids(outcome.ids)
        self.part.merge(outcome.part)
        self.part.note_latest(outcome.latest)
        self.ledger.take(outcome.pending)
        if self.store is not None and outcome.spool:
            self.store.write_encoded(outcome.spool)

    def close(self) -> datetime | None:
        """Settle the held results against the as-of time; returns the as-of time used."""
        as_of = self.options.as_of or self.part.latest
        for result in self.ledger.settle(self.ruleset, as_of):
            self.part.add(result)
            if self.store is not None:
                self.store.add_settled(result)
        return as_of

    def finish(self, faults: list[str] | None = None) -> RunResult:
        """Close the run and hand back what it produced."""
        as_of = self.close()
        return RunResult(self.part, as_of, self.store, faults or [], self.fulfils_unmatched)


def _batches(paths: list[str], options: RunOptions, faults: list[str]) -> Iterator[list[RawLine]]:
    """Lines in batches; a damaged input ends with a fault, after the lines read before it."""
    for path in paths:
        batch: list[RawLine] = []
        try:
            for raw in read_lines(path, options.max_line_bytes):
                batch.append(raw)
                if len(batch) == options.batch_lines:
                    yield batch
                    batch = []
        except InputError as exc:
            faults.append(str(exc))
        if batch:
            yield batch


_worker: tuple[RuleSet, RunOptions] | None = None


def _init_worker(ruleset: RuleSet, options: RunOptions) -> None:
    global _worker
    _worker = (ruleset, options)
    # Ctrl-C is the main process's to handle: it stops the pool and exits cleanly.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _work(job: tuple[int, list[RawLine]]) -> BatchOutcome:
    assert _worker is not None
    first_seq, lines = job
    return score_batch(lines, first_seq, *_worker)


def _numbered(batches: Iterable[list[RawLine]]) -> Iterator[tuple[int, list[RawLine]]]:
    seq = 0
    for batch in batches:
        yield seq, batch
        seq += len(batch)


def _outcomes(
    jobs: Iterator[tuple[int, list[RawLine]]], ruleset: RuleSet, options: RunOptions
) -> Iterator[tuple[list[RawLine], BatchOutcome]]:
    """Batch outcomes in input order, from worker processes when asked for more than one job.

    At most two batches per worker are in flight, so memory stays flat on any input size.
    """
    first = next(jobs, None)
    if first is None:
        return
    second = next(jobs, None)
    if options.jobs <= 1 or second is None:
        for first_seq, lines in itertools.chain([first], [second] if second else [], jobs):
            yield lines, score_batch(lines, first_seq, ruleset, options)
        return
    context = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
    with context.Pool(options.jobs, _init_worker, (ruleset, options)) as pool:
        window: collections.deque[tuple[list[RawLine], Any]] = collections.deque()
        for first_seq, lines in itertools.chain([first, second], jobs):
            window.append((lines, pool.apply_async(_work, ((first_seq, lines),))))
            while len(window) >= 2 * options.jobs:
                lines_done, pending = window.popleft()
                yield lines_done, pending.get()
        while window:
            lines_done, pending = window.popleft()
            yield lines_done, pending.get()


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
    jobs = _numbered(_batches(paths, options, faults))
    for lines, outcome in _outcomes(jobs, ruleset, options):
        duplicates = collector.duplicates(outcome)
        if duplicates:
            # Rare: score the batch again here, with the repeated ids rejected.
            outcome = score_batch(lines, outcome.first_seq, ruleset, options, duplicates)
        collector.take(outcome)
        if progress:
            progress(len(lines))
    return collector.finish(faults)
