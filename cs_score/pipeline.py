"""One evaluation run: read blocks of lines → decode and score (in worker processes if asked)
→ collect.

The main process reads each input in blocks of whole lines (`records.read_blocks`) and hands
them, undecoded, to the workers, which decode, score and fold them into report parts. The
collector is the only stateful stage. It sees results in input order, rejects repeated ids,
remembers which promises are still open and which later events fulfil them, and folds finished
results into a `ReportPart`. An interaction whose promises are open is not scored when it is
read: its line is held (`HeldLine`), and scored and settled once the input ends and the as-of
time is known (by the workers, when there are many).
What the collector keeps for the whole input lives in temporary files: the ids seen (`IdSet`),
the ids of open promises and the held lines; so do finished results when the output lists
interactions. What still grows with the log is the time of each promise kept by a later
interaction (`Ledger`'s map of fulfilments, about 150 bytes each).
"""

from __future__ import annotations

import collections
import contextlib
import ctypes
import gc
import heapq
import itertools
import json
import multiprocessing
import os
import pickle
import queue
import signal
import struct
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from multiprocessing.reduction import ForkingPickler
from typing import IO, Any, Final

import msgspec

from cs_score import engine
from cs_score.checks.base import WATCH, Kept, parse_signal, parse_watch
from cs_score.engine import InteractionResult
from cs_score.errors import InputError, WorkerError
from cs_score.idset import IdSet
from cs_score.jsonline import one_line
from cs_score.pickling import by_position, mypyc_attr
from cs_score.records import (
    MAX_LINE_BYTES,
    Block,
    Decoded,
    RawLine,
    Rejection,
    decode,
    read_blocks,
    read_lines,
    shown_name,
)
from cs_score.report import GateSettings, LowestSeen, Report, ReportPart, build_report
from cs_score.ruleset import RuleSet

BATCH_LINES = 2000

DASK_EXTRA = "pip install 'cs-score[dask]'"
"""How to get what the Dask engine needs (said wherever it is missing)."""


def cores() -> int:
    """The cores this process may run on: the default number of workers."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


@dataclass(frozen=True, slots=True)
class OpenPromises:
    """An open result reduced to what settling needs to know: its position and promise ids.

    A Dask run sends these to the client instead of whole results, which stay on the workers.
    """

    seq: int
    promise_ids: tuple[str, ...]


by_position(OpenPromises)


@dataclass(frozen=True, slots=True)
class PackedResult(OpenPromises):
    """A line held unscored (`HeldLine.pack`) where it was read: the main process only
    stores the bytes, and `revive` scores it when it is settled."""

    data: bytes


by_position(PackedResult)


@dataclass(frozen=True, slots=True)
class HeldLine:
    """The line of an interaction whose result has to wait for the end of the input, held
    unscored: it is scored once, when it is settled (see `revive`)."""

    seq: int
    raw: RawLine

    def pack(self) -> bytes:
        """The held line as bytes (see `unpack`): a fifth of the time a pickle takes."""
        raw = self.raw
        assert raw.data is not None, "a held line was decoded once already"
        file = raw.file.encode("utf-8", "surrogatepass")
        header = _HELD_HEADER.pack(_HELD_MARK, self.seq, raw.line, len(file))
        return b"".join((header, file, raw.data))


by_position(HeldLine)

_HELD_HEADER: Final = struct.Struct("<cqqI")
"""A packed held line's mark, position, line number and length of its file's name."""
_HELD_MARK: Final = b"L"
"""What a packed held line starts with; a pickle starts with 0x80."""


def unpack(data: bytes) -> InteractionResult | HeldLine:
    """What the bytes of a held item hold: a packed `HeldLine`, or a pickled result."""
    if data[:1] != _HELD_MARK:
        pickled: InteractionResult | HeldLine = pickle.loads(data)
        return pickled
    _, seq, line, length = _HELD_HEADER.unpack_from(data)
    start = _HELD_HEADER.size
    file = data[start : start + length].decode("utf-8", "surrogatepass")
    return HeldLine(seq, RawLine(file, line, data[start + length :]))


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


by_position(RunOptions)


@mypyc_attr(serializable=True, allow_interpreted_subclasses=True)
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


@mypyc_attr(serializable=True, allow_interpreted_subclasses=True)
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


def encode_result(result: InteractionResult) -> bytes:
    """A finished result as the spools hold it: `seq<TAB>json` and a newline, the JSON being
    `result_json` of its dict: what the `json` and `jsonl` outputs write, so they copy it."""
    return b"%d\t%b\n" % (result.seq, result_json(result.to_dict()).encode("utf-8"))


_COMPACT: Final = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def result_json(data: dict[str, Any]) -> str:
    """A result's dict as one line of compact JSON: `json.dumps(data, ensure_ascii=False,
    separators=(",", ":"))`, as the outputs write the dicts `ResultStore` yields. A value
    JSON has no word for (NaN, a datetime) is first written as msgspec writes it, as
    those dicts have it."""
    try:
        return one_line(_COMPACT.encode(data))
    except (TypeError, ValueError):
        text: str = _COMPACT.encode(msgspec.json.decode(msgspec.json.encode(data)))
        return one_line(text)


def revive(
    held: InteractionResult | HeldLine,
    ruleset: RuleSet,
    options: RunOptions,
    fulfilled: Mapping[str, Kept],
    as_of: datetime | None,
    wants_explained: Callable[[InteractionResult], bool],
) -> InteractionResult:
    """A held result settled against the fulfilments and `as_of`. A line held unscored is
    scored now, exactly as it would have been when it was read; with reasons and evidence
    only when the output shows them or `wants_explained` (the lowest scores) says so."""
    if isinstance(held, InteractionResult):
        engine.settle(held, ruleset, fulfilled, as_of)
        return held
    decoded = decode(held.raw, ruleset.zone, options.max_line_bytes)
    assert not isinstance(decoded, Rejection), "a held line was decoded once already"
    explain = options.keep_results
    result = engine.score(decoded, ruleset, held.seq, options.as_of, explain, rescorable=True)
    engine.settle(result, ruleset, fulfilled, as_of)
    if not result.explained and wants_explained(result):
        result = engine.score(decoded, ruleset, held.seq, options.as_of, explain=True)
        engine.settle(result, ruleset, fulfilled, as_of)
    return result


Reviver = Callable[
    [InteractionResult | HeldLine, Mapping[str, Kept], datetime | None], InteractionResult
]
"""Settles one held item against (fulfilled, as_of): `revive` with the run's settings bound."""


def settle_into(
    part: ReportPart,
    held: Iterable[InteractionResult | HeldLine],
    ruleset: RuleSet,
    options: RunOptions,
    fulfilled: Mapping[str, Kept],
    as_of: datetime | None,
    write: Callable[[bytes], object] | None = None,
) -> None:
    """Judge held results (in input order) against the fulfilments and `as_of`, fold them into
    `part`, and hand each to `write` encoded (when the output lists interactions)."""
    for item in held:
        result = revive(item, ruleset, options, fulfilled, as_of, part.wants_explained)
        part.add(result)
        if write is not None:
            write(encode_result(result))


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
    defer: bool = False,
) -> BatchOutcome:
    """Decode, score and fold a batch of lines; pure, so it runs in any worker process.

    The lines take the positions `first_seq`, `first_seq + 1`, … in the input. `skip` maps
    the position of a line to a reason it must be rejected whatever it holds (a duplicate id
    found by the collector). `defer`: hold the lines whose results wait on promises, unscored
    (see `_score_lines`); whoever settles them must `revive` them.
    """
    lines_at = list(enumerate(lines, first_seq))
    return _score_lines(lines_at, first_seq, ruleset, options, skip, defer=defer)


def score_block(
    block: Block,
    first_seq: int,
    ruleset: RuleSet,
    options: RunOptions,
    skip: dict[int, str] | None = None,
    lowest: LowestSeen | None = None,
) -> BatchOutcome:
    """`score_batch` of the lines of a block; a line's position is `first_seq` plus its
    offset in the block (blank lines take a position too).

    `lowest`, shared by the blocks one process scores, spares keeping (and explaining) the
    lowest scores of a block that are not among the lowest this process has seen.
    """
    positioned = block.raw_lines(options.max_line_bytes, first_seq)
    return _score_lines(positioned, first_seq, ruleset, options, skip, lowest, defer=True)


_PICKLE: Final = pickle.HIGHEST_PROTOCOL


def _score_lines(
    lines: list[tuple[int, RawLine]],
    first_seq: int,
    ruleset: RuleSet,
    options: RunOptions,
    skip: dict[int, str] | None,
    lowest: LowestSeen | None = None,
    defer: bool = False,
) -> BatchOutcome:
    """`defer`: hold the line of an interaction whose result would wait on promises (packed,
    as a `PackedResult` of a `HeldLine`) instead of scoring it now and pickling its result."""
    zone = ruleset.zone
    part = ReportPart(ruleset, options.group_by)
    ids: list[tuple[int, str]] = []
    pending: list[PendingItem] = []
    spool: list[bytes] = []
    latest: datetime | None = None
    keep_results = explain = options.keep_results  # else only the lowest are shown, with why
    as_of, max_line_bytes = options.as_of, options.max_line_bytes
    checks_case = bool(ruleset.condition_values)
    for seq, raw in lines:
        if skip and seq in skip:
            part.reject(Rejection(raw.file, raw.line, skip[seq]), seq)
            continue
        decoded = decode(raw, zone, max_line_bytes)
        if isinstance(decoded, Rejection):
            part.reject(decoded, seq)
            continue
        record = decoded.interaction
        ids.append((seq, record.id))
        if decoded.warnings is not None:
            for message in decoded.warnings:
                part.warn(message, seq, raw.file, raw.line)
        if checks_case:
            for message in ruleset.case_mismatches(record):
                part.warn(message, seq, raw.file, raw.line)
        if decoded.latest is not None and (latest is None or decoded.latest > latest):
            latest = decoded.latest
        waiting = engine.waits_on(decoded, ruleset, as_of, seq) if defer else None
        if waiting is not None:
            pending.extend(engine.fulfilments(record, ruleset))
            pending.append(PackedResult(seq, waiting, HeldLine(seq, raw).pack()))
            continue
        result = engine.score(decoded, ruleset, seq, as_of, explain)
        if result.fulfills:
            pending.extend(result.fulfills)
        if result.open_rules:
            pending.append(result)
            continue
        keep = part.wants_explained(result)
        if keep and lowest is not None:
            keep = lowest.offer(result.score, seq)  # type: ignore[arg-type]
        if keep and not result.explained:
            result = engine.score(decoded, ruleset, seq, as_of)
        part.add(result, keep)
        if keep_results:
            spool.append(encode_result(result))
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
    """Finished results in input order, spooled to temporary files rather than kept in memory.

    Results finished as they are read go to one spool, in input order; results settled at the
    end of the input (their promises were open) go to another, also in input order. Reading
    merges the two by position.
    """

    def __init__(self) -> None:
        self._spool: IO[bytes] = tempfile.TemporaryFile(prefix="cs-score-")  # noqa: SIM115
        self._settled: IO[bytes] = tempfile.TemporaryFile(prefix="cs-score-")  # noqa: SIM115

    def write_encoded(self, lines: bytes) -> None:
        """Append `seq<TAB>json` lines, as `score_batch` encodes them."""
        self._spool.write(lines)

    def add_settled(self, result: InteractionResult) -> None:
        """Add a result settled at the end; call in input order."""
        self._settled.write(encode_result(result))

    def add_settled_encoded(self, lines: bytes) -> None:
        """Add settled results encoded as `seq<TAB>json` lines (settled on a Dask worker)."""
        self._settled.write(lines)

    @staticmethod
    def _lines(spool: IO[bytes]) -> Iterator[tuple[int, bytes]]:
        spool.flush()
        spool.seek(0)
        for line in spool:
            seq_text, _, body = line.partition(b"\t")
            yield int(seq_text), body

    def _bodies(self) -> Iterator[bytes]:
        """The JSON of every result, in input order: both spools merged by position."""
        for _, body in heapq.merge(self._lines(self._spool), self._lines(self._settled)):
            yield body

    def __iter__(self) -> Iterator[dict[str, Any]]:
        decode_line = msgspec.json.Decoder(dict[str, Any]).decode
        for body in self._bodies():
            yield decode_line(body)

    def json_texts(self) -> Iterator[str]:
        """Each result as `result_json` wrote it (one line of JSON, without its newline), in
        input order: what the `json` and `jsonl` outputs write, without decoding it first."""
        for body in self._bodies():
            yield body.rstrip(b"\n").decode("utf-8")

    def close(self) -> None:
        self._spool.close()
        self._settled.close()


class _HeldResults:
    """Results waiting for the end of the input, in memory or packed in a temporary file.

    Spilled, each result is written after a header of its position and length, in input
    order, so nothing stays in memory for it: memory does not grow with the number of
    interactions whose promises are open.
    """

    _HEADER = struct.Struct("<qq")  # position, length of the packed item

    def __init__(self, spill: bool) -> None:
        self._file: IO[bytes] | None = (
            tempfile.TemporaryFile(prefix="cs-score-held-") if spill else None  # noqa: SIM115
        )
        self._count = 0
        self._last_seq = -1
        self._kept: dict[int, InteractionResult | HeldLine] = {}

    def add(self, result: InteractionResult) -> None:
        if self._file is None:
            self._kept[result.seq] = result
            return
        self._add_packed(result.seq, pickle.dumps(result, _PICKLE))

    def add_packed(self, seq: int, data: bytes) -> None:
        """Add a result packed elsewhere (pickled, or a packed `HeldLine`)."""
        if self._file is None:
            self._kept[seq] = unpack(data)
            return
        self._add_packed(seq, data)

    def _add_packed(self, seq: int, data: bytes) -> None:
        assert self._file is not None
        if seq <= self._last_seq:  # the file is read back in the order it was written
            raise ValueError(f"held result {seq} came after {self._last_seq}: not in input order")
        self._last_seq = seq
        self._count += 1
        self._file.write(self._HEADER.pack(seq, len(data)))
        self._file.write(data)

    def __len__(self) -> int:
        return len(self._kept) if self._file is None else self._count

    def _spilled(self) -> Iterator[bytes]:
        """The spilled results, still packed, in input order."""
        assert self._file is not None
        self._file.flush()
        self._file.seek(0)
        read = self._file.read
        header = self._HEADER
        for _ in range(self._count):
            _, length = header.unpack(read(header.size))
            yield read(length)

    def pop_packed(self, count: int) -> Iterator[list[bytes]]:
        """The spilled results, still packed, in input order and lists of up to `count`;
        then forget them. Only for a spilling store."""
        chunk: list[bytes] = []
        for data in self._spilled():
            chunk.append(data)
            if len(chunk) == count:
                yield chunk
                chunk = []
        if chunk:
            yield chunk
        self._reset()

    def _reset(self) -> None:
        assert self._file is not None
        self._count = 0
        self._last_seq = -1
        self._file.close()
        self._file = tempfile.TemporaryFile(prefix="cs-score-held-")  # noqa: SIM115

    def pop_all(self) -> Iterator[InteractionResult | HeldLine]:
        """Every held result (or line held unscored), in input order, then forget them."""
        if self._file is None:
            for seq in sorted(self._kept):
                yield self._kept.pop(seq)
            return
        for data in self._spilled():
            yield unpack(data)
        self._reset()


class Ledger:
    """What only the whole input can tell: ids already seen, open promises and their keepers.

    Items arrive in input order. A repeated id is reported (the first occurrence wins); a
    result whose promises are still open is held, with its promise ids; an event that fulfils
    one of those promises is recorded against it (the earliest time counts); `settle` judges
    the held results once the input has ended.

    The same way, a held result may wait on *watches* (`cs_score.checks.base.watch_id`): a
    later interaction of the same customer (a repeat contact), an agent's later message in
    the same case (a promise written in text). Every interaction sends its signals
    (`engine.signals`) before its own result is held, so it resolves the watches of earlier
    interactions, never its own; a watch is resolved by the first signal on its key, later in
    the input, that comes after its time. The watches not yet resolved are kept in memory,
    one small entry each, and resolved ones join `fulfilled`.

    Every way of scoring shares it: batches on one machine (`Collector`), records in memory
    (`cs_score.score_records`) and the partitions of a Dask run, whose open promise ids and
    fulfilling events come to the client in input order (`OpenPromises`), the client's
    `fulfilled` map going back to the workers that hold them.
    """

    def __init__(self, spill: bool = False) -> None:
        """`spill`: keep held results and the ids seen in temporary files rather than in
        memory (for runs over whole logs; small in-process uses need no files)."""
        self._ids = IdSet(on_disk=spill)
        self._held = _HeldResults(spill)
        self._open = IdSet(on_disk=spill)
        """Ids of the promises held results wait on (fingerprints: 8 bytes each)."""
        self._fulfilled: dict[str, Kept] = {}
        self._watches: dict[str, list[tuple[str, datetime | None]]] = {}
        """Signal key → the watches of held results that no signal has resolved yet:
        (watch id, the time a signal must come after)."""
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

    def claim(self, ids: Iterable[tuple[int, str]]) -> dict[int, str]:
        """`duplicates` and `note_ids` in one pass: remember the new ids, report the repeats."""
        seen = self._ids  # called on the set, not a bound method: compiled, a native call
        return {
            seq: duplicate_reason(record_id) for seq, record_id in ids if not seen.add(record_id)
        }

    def note_ids(self, ids: Iterable[tuple[int, str]]) -> None:
        """Remember ids that were scored, so a later repeat is found."""
        self._ids.update(record_id for _, record_id in ids)

    def take(self, pending: Iterable[PendingItem]) -> None:
        """Hold open results and record fulfilling events, in input order."""
        for item in pending:
            if isinstance(item, InteractionResult):
                self._held.add(item)
                for promise_id in item.promise_ids():
                    self._wait_on(promise_id)
                continue
            if isinstance(item, OpenPromises):
                if isinstance(item, PackedResult):
                    self._held.add_packed(item.seq, item.data)
                for promise_id in item.promise_ids:
                    self._wait_on(promise_id)
                continue
            promise_id, at = item
            if promise_id.startswith(WATCH):
                self._signal(promise_id, at)
            elif promise_id in self._open:
                previous = self._fulfilled.get(promise_id)
                if previous is None or (isinstance(previous, datetime) and at < previous):
                    self._fulfilled[promise_id] = at
            else:
                self.fulfils_unmatched += 1

    def _wait_on(self, promise_id: str) -> None:
        if not promise_id.startswith(WATCH):
            self._open.add(promise_id)
            return
        key, after = parse_watch(promise_id)
        if key:
            self._watches.setdefault(key, []).append((promise_id, after))

    def _signal(self, signal: str, at: datetime) -> None:
        """A later interaction's signal: it resolves every watch on its key it comes after."""
        key, sender = parse_signal(signal)
        watches = self._watches.get(key)
        if not watches:
            return
        left: list[tuple[str, datetime | None]] = []
        for watch, after in watches:
            if after is None or at > after:
                self._fulfilled[watch] = (at, sender)
            else:
                left.append((watch, after))
        if left:
            self._watches[key] = left
        else:
            del self._watches[key]

    @property
    def fulfilled(self) -> dict[str, Kept]:
        """Open promise id → the earliest time a later event kept it (so far)."""
        return self._fulfilled

    @property
    def held(self) -> int:
        """How many results wait for the end of the input."""
        return len(self._held)

    def pop_packed(self, count: int) -> Iterator[list[bytes]]:
        """The held results still packed, in input order and lists of up to `count`, to be
        settled elsewhere (against `fulfilled`, taken before); then forget them, as `settle`
        does."""
        yield from self._held.pop_packed(count)
        self._open.clear()
        self._fulfilled.clear()
        self._watches.clear()

    def settle(
        self,
        ruleset: RuleSet,
        as_of: datetime | None,
        revive: Reviver | None = None,
    ) -> Iterator[InteractionResult]:
        """Judge every held result against the fulfilments and `as_of`, yielding them in input
        order (use what it yields: a spilled result is a fresh copy). `revive(held,
        fulfilled, as_of)`, when given, settles each instead, lines held unscored included."""
        for held in self._held.pop_all():
            if revive is not None:
                yield revive(held, self._fulfilled, as_of)
                continue
            assert isinstance(held, InteractionResult), "a held line needs `revive`"
            engine.settle(held, ruleset, self._fulfilled, as_of)
            yield held
        self._open.clear()
        self._fulfilled.clear()
        self._watches.clear()


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
        self.ledger = Ledger(spill=True)
        self.watch: set[int] = set()
        """Positions of results whose settled form is wanted after `close` (see `settled`)."""
        self.settled: dict[int, InteractionResult] = {}

    @property
    def fulfils_unmatched(self) -> int:
        return self.ledger.fulfils_unmatched

    def claim(self, outcome: BatchOutcome) -> dict[int, str]:
        """Lines of a batch whose id was seen before (in this batch or an earlier one); the
        other ids are remembered (then `take` the batch with `claimed`)."""
        return self.ledger.claim(outcome.ids)

    def take(self, outcome: BatchOutcome, claimed: bool = False) -> None:
        """Fold in a batch that has no duplicate ids (see `claim`).

        A batch may also be several batches already merged in input order (the ids left empty
        when duplicates were found elsewhere, as a Dask run does).
        """
        if not claimed:
            self.ledger.note_ids(outcome.ids)
        self.part.merge(outcome.part)
        self.part.note_latest(outcome.latest)
        self.ledger.take(outcome.pending)
        if self.store is not None and outcome.spool:
            self.store.write_encoded(outcome.spool)

    def take_one(self, item: InteractionResult | Rejection, seq: int) -> None:
        """Fold in one scored line (or its rejection), as `take` does for a batch."""
        if isinstance(item, Rejection):
            self.part.reject(item, seq)
            return
        if self.ledger.duplicates([(seq, item.id)]):
            message = duplicate_reason(item.id)
            self.part.reject(Rejection(item.source.file, item.source.line, message), seq)
            return
        self.ledger.note_ids([(seq, item.id)])
        self.part.note_latest(item.latest)
        self.ledger.take(item.fulfills)
        if item.is_open:
            self.ledger.take([item])
        else:
            self.part.add(item)

    def pass_over(self, decoded: Decoded, seq: int) -> bool:
        """Take note of an interaction without scoring it; False if its id was seen before.

        What one interaction can change in another's result is noted exactly as `take` notes
        it: its id (a later repeat is rejected), its latest time (the default as-of) and the
        promises it keeps. Used when only one interaction's result is wanted (`explain`).
        """
        record = decoded.interaction
        if self.ledger.duplicates([(seq, record.id)]):
            message = duplicate_reason(record.id)
            self.part.reject(Rejection(decoded.source.file, decoded.source.line, message), seq)
            return False
        self.ledger.note_ids([(seq, record.id)])
        self.part.note_latest(decoded.latest)
        self.ledger.take(engine.fulfilments(record, self.ruleset))
        return True

    def close(self) -> datetime | None:
        """Settle the held results against the as-of time; returns the as-of time used.

        With `jobs` over 1 and many results held (and none watched), worker processes
        settle them in input order, each into a report part, as they score blocks.
        """
        as_of = self.options.as_of or self.part.latest
        if self.options.jobs > 1 and not self.watch and self.ledger.held >= 2 * SETTLE_CHUNK:
            work = _SettleWork(self.ruleset, self.options, self.ledger.fulfilled, as_of)
            workers = _Workers(self.options.jobs, work)
            try:
                for _, outcome in workers.outcomes(self.ledger.pop_packed(SETTLE_CHUNK)):
                    self.part.merge(outcome.part)
                    if self.store is not None:
                        self.store.add_settled_encoded(outcome.spool)
            finally:
                workers.close()
            return as_of

        def revived(
            held: InteractionResult | HeldLine,
            fulfilled: Mapping[str, Kept],
            as_of: datetime | None,
        ) -> InteractionResult:
            return revive(
                held, self.ruleset, self.options, fulfilled, as_of, self.part.wants_explained
            )

        for result in self.ledger.settle(self.ruleset, as_of, revived):
            if result.seq in self.watch:
                self.settled[result.seq] = result
            self.part.add(result)
            if self.store is not None:
                self.store.add_settled(result)
        return as_of

    def finish(self, faults: list[str] | None = None) -> RunResult:
        """Close the run and hand back what it produced."""
        as_of = self.close()
        return RunResult(self.part, as_of, self.store, faults or [], self.fulfils_unmatched)


EMPTY_INPUT: Final = "empty input: no interaction records"
"""The warning for an input with no line to score (empty, or blank lines only)."""


def _blocks(
    paths: list[str],
    options: RunOptions,
    faults: list[str],
    empty: list[tuple[int, str]] | None = None,
) -> Iterator[Block]:
    """Blocks of lines; a damaged input ends with a fault, after the lines read before it.
    `empty` gets (position, name) of each input with no line that is not blank."""
    seq = 0
    for path in paths:
        found = False
        try:
            for block in read_blocks(path, options.max_line_bytes, options.batch_lines):
                seq += block.lines
                if not found:
                    data = block.data
                    found = data is None or (bool(data) and not data.isspace())
                yield block
        except InputError as exc:
            faults.append(str(exc))
            found = True
        if not found and empty is not None:
            empty.append((seq, "<stdin>" if path == "-" else shown_name(path)))


def _positioned(blocks: Iterable[Block]) -> Iterator[tuple[int, Block]]:
    """Each block with the position of its first line in the whole input."""
    seq = 0
    for block in blocks:
        yield seq, block
        seq += block.lines


def _die_with(parent: int) -> None:
    """End this worker when the main process ends, whatever ends it (SIGKILL included)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # it ended before the request was made
        os._exit(0)


_PR_SET_PDEATHSIG = 1


def _serve(connection: Any, work: Callable[[Any], Any], parent: int, inherited: list[Any]) -> None:
    """A worker process: answer each job it is sent with `work(job)`, in order, until None."""
    _die_with(parent)
    # The main process's ends of the pipes, copied by the fork: closed, so that a pipe whose
    # main process is gone reads as ended rather than waiting on a copy held here.
    for end in inherited:
        with contextlib.suppress(OSError):
            end.close()
    # Ctrl-C is the main process's to handle: it stops the workers and exits cleanly; a
    # SIGTERM ends a worker at once, whatever handler the main process had set.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    while True:
        try:
            job = connection.recv()
        except EOFError:  # the main process stopped
            return
        if job is None:
            return
        try:
            answer = work(job)
        except Exception as exc:  # raised again in the main process
            answer = exc
        try:
            connection.send(answer)
        except OSError:  # the main process stopped (Ctrl-C) and closed its end
            return


@mypyc_attr(serializable=True, allow_interpreted_subclasses=True)
class _ScoreWork:
    """A worker's job of scoring: (position of the first line, block) → outcome."""

    def __init__(self, ruleset: RuleSet, options: RunOptions) -> None:
        self.ruleset = ruleset
        self.options = options
        self.lowest = LowestSeen()

    def __call__(self, job: tuple[int, Block]) -> BatchOutcome:
        first_seq, block = job
        return score_block(block, first_seq, self.ruleset, self.options, lowest=self.lowest)


SETTLE_CHUNK = 500
"""Held results a worker settles at a time."""


@mypyc_attr(serializable=True, allow_interpreted_subclasses=True)
class _SettleWork:
    """A worker's job at the end of the input: packed held results → their settled part."""

    def __init__(
        self,
        ruleset: RuleSet,
        options: RunOptions,
        fulfilled: dict[str, Kept],
        as_of: datetime | None,
    ) -> None:
        self.ruleset = ruleset
        self.options = options
        self.fulfilled = fulfilled
        self.as_of = as_of

    def __call__(self, packed: list[bytes]) -> BatchOutcome:
        part = ReportPart(self.ruleset, self.options.group_by)
        spool: list[bytes] = []
        held = _unpacked(packed)
        write = spool.append if self.options.keep_results else None
        settle_into(part, held, self.ruleset, self.options, self.fulfilled, self.as_of, write)
        return BatchOutcome(0, part, [], [], b"".join(spool), None)


def _unpacked(packed: list[bytes]) -> Iterator[InteractionResult | HeldLine]:
    # A generator function, not a generator expression: compiled, the latter builds a list.
    for data in packed:
        yield unpack(data)


_WORKER_DIED = "a worker process ended before it finished its lines (killed, or out of memory?)"


IN_FLIGHT = 2
"""Jobs sent to a worker before its first answer: it reads the next one as soon as it has
answered, rather than when the main process has read the answer and sent another. Measured
on a million interactions with `--jobs 2`: one at a time left each worker idle about 30 % of
the run."""

_STOP = object()
"""What tells a `_Sender` thread to end."""


class _Sender:
    """Writes the jobs of one worker, in order, from a thread of its own: a write to a busy
    worker waits there, never in the thread that reads the answers."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self._jobs: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._writer = threading.Thread(target=self._run, daemon=True)
        self._writer.start()

    def put(self, job: Any) -> None:
        """Send `job` to the worker once the jobs before it are sent. It is pickled here, in
        the calling thread, so an error in pickling is raised where the job was given."""
        self._jobs.put(ForkingPickler.dumps(job))

    def _run(self) -> None:
        while True:
            data = self._jobs.get()
            if data is _STOP:
                return
            try:
                self.connection.send_bytes(data)
            except BaseException:  # the worker is gone, or the pipe closed: stop writing, and
                with contextlib.suppress(OSError):  # make sure the reading side sees it
                    self.connection.close()
                return

    def stop(self) -> None:
        self._jobs.put(_STOP)
        self._writer.join(1.0)


class _Workers:
    """Worker processes, each with its own pipe: the answers are read from this thread, the
    jobs written by one `_Sender` thread each.

    Each worker has at most `IN_FLIGHT` blocks at a time. A worker reads a job only when it
    has sent the answer to the one before, and this thread only reads; so no thread waits on
    a worker that waits on it, and stopping at any moment (Ctrl-C, an error) cannot hang:
    a worker still busy is killed, which ends a write to it.
    """

    def __init__(self, count: int, work: Callable[[Any], Any]) -> None:
        context: Any = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
        self._connections: list[Any] = []
        self._processes: list[Any] = []
        # Workers start with Ctrl-C ignored, so one arriving while they start cannot kill a
        # worker; the main process restores its own handler at once.
        forked = context.get_start_method() == "fork"

        def inherited(mine: Any) -> list[Any]:
            return [*self._connections, mine] if forked else []

        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            for _ in range(count):
                mine, theirs = context.Pipe()
                process = context.Process(
                    target=_serve,
                    args=(theirs, work, os.getpid(), inherited(mine)),
                    daemon=True,
                )
                process.start()
                theirs.close()
                self._connections.append(mine)
                self._processes.append(process)
        finally:
            signal.signal(signal.SIGINT, previous)
        # Started once every worker is: a process is not forked while threads run.
        self._senders = [_Sender(connection) for connection in self._connections]

    def outcomes(self, jobs: Iterator[Any]) -> Iterator[tuple[Any, BatchOutcome]]:
        """(job, outcome) in the order of the jobs; workers take them in turn, `IN_FLIGHT`
        at a time each."""
        busy: collections.deque[tuple[int, Any]] = collections.deque()
        for worker in list(range(len(self._senders))) * IN_FLIGHT:
            job = next(jobs, None)
            if job is None:
                break
            self._senders[worker].put(job)
            busy.append((worker, job))
        while busy:
            worker, job = busy.popleft()
            outcome = self._receive(self._connections[worker])
            following = next(jobs, None)
            if following is not None:  # keep the worker's next block waiting for it
                self._senders[worker].put(following)
                busy.append((worker, following))
            yield job, outcome

    def _receive(self, connection: Any) -> BatchOutcome:
        try:
            answer = connection.recv()
        except (EOFError, OSError):
            raise WorkerError(_WORKER_DIED) from None
        if isinstance(answer, BaseException):
            raise answer
        outcome: BatchOutcome = answer
        return outcome

    def close(self) -> None:
        """Stop every worker and wait for it; a busy one (after Ctrl-C) stops at once."""
        for sender in self._senders:
            sender.put(None)  # the worker's last job: it stops once it has read it
        for process in self._processes:
            process.join(1.0)
            if process.is_alive():
                process.kill()
                process.join()
        for sender in self._senders:
            sender.stop()  # its writes end with the worker
        for connection in self._connections:
            connection.close()


def _outcomes(
    jobs: Iterator[tuple[int, Block]], ruleset: RuleSet, options: RunOptions
) -> Iterator[tuple[tuple[int, Block], BatchOutcome]]:
    """Block outcomes in input order, from worker processes when asked for more than one job.

    Each worker holds at most `IN_FLIGHT` blocks at a time, so memory stays flat on any input
    size.
    """
    first = next(jobs, None)
    if first is None:
        return
    second = next(jobs, None)
    if options.jobs <= 1 or second is None:
        lowest = LowestSeen()
        for job in itertools.chain([first], [second] if second else [], jobs):
            yield job, score_block(job[1], job[0], ruleset, options, lowest=lowest)
        return
    workers = _Workers(options.jobs, _ScoreWork(ruleset, options))
    try:
        yield from workers.outcomes(itertools.chain([first, second], jobs))
    finally:
        workers.close()


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
    empty: list[tuple[int, str]] = []
    jobs = _positioned(_blocks(paths, options, faults, empty))
    with _fewer_collections():
        for (first_seq, block), outcome in _outcomes(jobs, ruleset, options):
            duplicates = collector.claim(outcome)
            if duplicates:
                # Rare: score the block again here, with the repeated ids rejected.
                outcome = score_block(block, first_seq, ruleset, options, duplicates)
            collector.take(outcome, claimed=True)
            if progress:
                progress(block.lines)
        for seq, name in empty:
            collector.part.warn(EMPTY_INPUT, seq, name, 0)
        return collector.finish(faults)


FEWER_COLLECTIONS = 50_000
"""Allocations between two runs of the cyclic garbage collector while scoring (Python's
default: 700). Scoring makes many short-lived containers, which reference counting frees; the
collector looking at them every 700 took 2 to 3 % of a run."""


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """Run the cyclic garbage collector less often for a while (workers started meanwhile
    inherit it)."""
    threshold = gc.get_threshold()
    gc.set_threshold(FEWER_COLLECTIONS, *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)


@mypyc_attr(serializable=True, allow_interpreted_subclasses=True)
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
                collector.take_one(decoded, read)
            elif target is not None or decoded.interaction.id != interaction_id:
                collector.pass_over(decoded, read)
            else:
                target = engine.score(decoded, ruleset, read, as_of)
                collector.take_one(target, read)
                if not target.is_open:
                    rejected = len(collector.part.rejections)
                    return Found(target, read, rejected, as_of, read_all=False)
    if target is not None:
        collector.watch.add(target.seq)
    used_as_of = collector.close()
    if target is not None:
        target = collector.settled.get(target.seq, target)
    return Found(target, read, len(collector.part.rejections), used_as_of, read_all=True)
