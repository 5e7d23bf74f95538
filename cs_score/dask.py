"""Scoring on Dask: the same report as one machine, computed where the logs live.

Needs the optional extra: ``pip install 'cs-score[dask]'`` (Dask's bag and distributed).

``evaluate(source, ruleset)`` scores a list of JSON Lines paths or globs (local, or any fsspec
URL such as ``s3://bucket/2026/*.jsonl.gz`` with the matching fsspec package installed), or a
Dask bag of JSON lines, on whatever Dask scheduler is active (a ``distributed.Client`` if one is
connected). It returns the same `RunResult` as `cs_score.evaluate`, so ``run.report()`` and
`cs_score.render` give the report the command line prints, byte for byte. From the command
line: ``cs-score evaluate LOG... --engine dask [--scheduler ADDRESS]``.

How it runs:

1. **Map.** One partition per file: a worker opens the file (gzip is detected by content,
   whatever the name), streams it in batches and folds them into one report part. One file is
   never split, so every ``FILE:LINE`` is exact; many files spread over the workers. For a bag,
   each bag partition is one partition, and its lines are named ``<bag>[P]:N`` (partition P,
   N-th item).
2. **Duplicate ids.** The first occurrence of an id in input order (file order, then line)
   wins, as on one machine. Each partition lists its (id, position) pairs; a ``foldby`` on the
   id finds the ids seen more than once, and only the partitions that hold a later occurrence
   are scored again, with those lines rejected (``duplicate id 'X'``).
3. **Reduce.** Report parts are tree-reduced (``split_every`` at a time): counts and sums merge
   exactly, quantiles through a mergeable sketch. What only the whole input can settle travels
   with them in input order: results whose promises are still open, and the events that
   fulfil a promise (``fulfills``). On the client, the same `Ledger` as on one machine
   settles them, so a promise made in one file and kept in another is credited exactly as
   ``cs-score evaluate --jobs 1`` credits it.
4. **Results.** When the output lists every interaction (``json``), each partition's results
   come back to the client in order and are spooled to a temporary file.

What grows with the input (and where):

- the duplicate check: every interaction id with its position, once, on the worker that does
  the final ``foldby`` combine (about 150 bytes an id in Python objects: some 1.5 GB per ten
  million interactions), and each partition's own ids on its worker until the check is done;
- on the client: open results and fulfilling events (as on one machine, this grows with the
  promises still open, not with the log), and, only for outputs that list interactions, the
  results in a temporary file;
- on the workers: each partition's report part (small: counts, sums and sketches), and when
  the output lists interactions, that partition's encoded results until they are collected.
"""

from __future__ import annotations

import contextlib
import glob
import logging
import os
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cs_score.api import _raw_line
from cs_score.errors import InputError, UsageError
from cs_score.pipeline import (
    BATCH_LINES,
    BatchOutcome,
    Collector,
    RunOptions,
    RunResult,
    absorb,
    check_inputs,
    duplicate_reason,
    score_batch,
)
from cs_score.records import MAX_LINE_BYTES, RawLine, read_stream
from cs_score.report import ReportPart, check_group_spec
from cs_score.ruleset import RuleSet

DASK_EXTRA = "pip install 'cs-score[dask]'"
"""How to get what this module needs."""

try:
    import dask.bag
    import fsspec
    from dask.base import compute, persist
    from dask.delayed import Delayed, delayed
except ImportError as exc:  # pragma: no cover - exercised by a test with Dask hidden
    raise ImportError(f"cs_score.dask needs Dask: {DASK_EXTRA}") from exc

PARTITION_STRIDE = 1 << 40
"""Input positions of partition P start at P × this: ordered as one stream, without a count."""

SPLIT_EVERY = 8
"""Parts merged by one task of the tree reduction."""

_GLOB_CHARS = frozenset("*?[")


@dataclass(frozen=True)
class LogFile:
    """One input file: the name its lines are reported under, and where workers open it."""

    name: str
    url: str


@dataclass
class PartitionOutcome:
    """What one partition gave: its folded batches, and any fault that ended it early."""

    outcome: BatchOutcome
    faults: list[str] = field(default_factory=list)


def expand_paths(
    paths: Sequence[str | LogFile], storage_options: dict[str, Any] | None = None
) -> list[LogFile]:
    """Paths, globs and URLs → the files to score, in order (a glob's matches sorted).

    A missing file, or a glob that matches nothing, raises `InputError` before any work starts.
    """
    files: list[LogFile] = []
    for path in paths:
        if isinstance(path, LogFile):
            files.append(path)
            continue
        if path == "-":
            raise UsageError("-: standard input cannot be scored on Dask; give files or URLs")
        has_glob = bool(_GLOB_CHARS & set(path))
        if "://" not in path and "::" not in path:
            if has_glob:
                matches = sorted(glob.glob(path))
                if not matches:
                    raise InputError(f"{path}: no file matches")
            else:
                check_inputs([path])
                matches = [path]
            files.extend(LogFile(match, os.path.abspath(match)) for match in matches)
            continue
        fs, root = fsspec.core.url_to_fs(path, **(storage_options or {}))
        if has_glob:
            found = sorted(fs.glob(root))
            if not found:
                raise InputError(f"{path}: no file matches")
            files.extend(LogFile(fs.unstrip_protocol(p), fs.unstrip_protocol(p)) for p in found)
        else:
            if not fs.exists(root):
                raise InputError(f"{path}: no such file")
            files.append(LogFile(path, path))
    return files


def _fold_lines(
    lines: Iterable[RawLine],
    index: int,
    ruleset: RuleSet,
    options: RunOptions,
    skip: dict[int, str] | None,
) -> PartitionOutcome:
    """Score one partition's lines in batches and fold them into one outcome."""
    start = index * PARTITION_STRIDE
    total = BatchOutcome(start, ReportPart(ruleset, options.group_by), [], [], b"", None)
    spools: list[bytes] = []
    faults: list[str] = []
    batch: list[RawLine] = []
    offset = 0

    def flush() -> None:
        nonlocal batch, offset
        if batch:
            outcome = score_batch(batch, start + offset, ruleset, options, skip)
            spools.append(outcome.spool)
            outcome.spool = b""
            absorb(total, outcome)
            offset += len(batch)
            batch = []

    try:
        for raw in lines:
            batch.append(raw)
            if len(batch) >= options.batch_lines:
                flush()
    except InputError as exc:
        faults.append(str(exc))
    flush()
    total.spool = b"".join(spools)
    return PartitionOutcome(total, faults)


def _score_file(
    log: LogFile,
    index: int,
    ruleset: RuleSet,
    options: RunOptions,
    storage_options: dict[str, Any] | None,
    skip: dict[int, str] | None = None,
) -> PartitionOutcome:
    """Runs on a worker: open one log (any fsspec URL) and score it as one partition."""
    try:
        opened = fsspec.open(log.url, "rb", **(storage_options or {}))
        stream = opened.open()
    except FileNotFoundError:
        return PartitionOutcome(_empty(index, ruleset, options), [f"{log.name}: no such file"])
    except OSError as exc:
        return PartitionOutcome(
            _empty(index, ruleset, options), [f"{log.name}: cannot open ({exc})"]
        )
    with stream:
        return _fold_lines(
            read_stream(log.name, stream, options.max_line_bytes), index, ruleset, options, skip
        )


def _score_items(
    items: Iterable[Any],
    name: str,
    index: int,
    ruleset: RuleSet,
    options: RunOptions,
    skip: dict[int, str] | None = None,
) -> PartitionOutcome:
    """Runs on a worker: score one bag partition (JSON lines as text or bytes, or dicts)."""
    source = f"{name}[{index}]"

    def lines() -> Iterator[RawLine]:
        for number, item in enumerate(items, 1):
            if isinstance(item, str | bytes) and not item.strip():
                continue
            raw = _raw_line(item, source, number, options.max_line_bytes)
            if not isinstance(raw, RawLine):
                raise ValueError(f"bag item {source}:{number} is not JSON data ({raw.reason})")
            yield raw

    return _fold_lines(lines(), index, ruleset, options, skip)


def _empty(index: int, ruleset: RuleSet, options: RunOptions) -> BatchOutcome:
    return BatchOutcome(
        index * PARTITION_STRIDE, ReportPart(ruleset, options.group_by), [], [], b"", None
    )


def _ids(partition: PartitionOutcome) -> list[tuple[str, int]]:
    return [(record_id, seq) for seq, record_id in partition.outcome.ids]


def _id_of(pair: tuple[str, int]) -> str:
    return pair[0]


def _add_position(positions: tuple[int, ...], pair: tuple[str, int]) -> tuple[int, ...]:
    return (*positions, pair[1])


def _join_positions(first: tuple[int, ...], second: tuple[int, ...]) -> tuple[int, ...]:
    return first + second


def _repeated(entry: tuple[str, tuple[int, ...]]) -> bool:
    return len(entry[1]) > 1


def _summary(partition: PartitionOutcome) -> PartitionOutcome:
    """What travels through the reduction: the part and pending items, not ids or results."""
    outcome = partition.outcome
    light = BatchOutcome(outcome.first_seq, outcome.part, [], outcome.pending, b"", outcome.latest)
    return PartitionOutcome(light, partition.faults)


def _combine(*partitions: PartitionOutcome) -> PartitionOutcome:
    """Merge neighbouring partitions, in input order (one step of the tree reduction)."""
    first, *rest = partitions
    for later in rest:
        absorb(first.outcome, later.outcome)
        first.faults.extend(later.faults)
    return first


def _spool(partition: PartitionOutcome) -> bytes:
    return partition.outcome.spool


def evaluate(
    source: dask.bag.Bag | str | Sequence[str | LogFile],
    ruleset: RuleSet,
    *,
    as_of: datetime | None = None,
    group_by: Sequence[str] = (),
    keep_results: bool = True,
    max_line_bytes: int = MAX_LINE_BYTES,
    batch_lines: int = BATCH_LINES,
    split_every: int = SPLIT_EVERY,
    storage_options: dict[str, Any] | None = None,
    name: str = "<bag>",
) -> RunResult:
    """Score logs on the active Dask scheduler; the same `RunResult` as one machine gives.

    `source` is a path, glob or URL, a list of them (read in order, one partition per file),
    or a Dask bag of JSON lines (text, bytes or dicts; its lines are reported as
    `NAME[P]:N`). `storage_options` go to fsspec (credentials, endpoints). With
    `keep_results`, every interaction result is brought back, in input order, to a temporary
    file on the client (`RunResult.results`). A missing file raises `InputError` first.
    """
    specs = tuple(dict.fromkeys(group_by))
    for spec in specs:
        problem = check_group_spec(spec)
        if problem:
            raise ValueError(problem)
    if split_every < 2:
        raise ValueError("split_every must be at least 2")
    options = RunOptions(
        as_of=as_of,
        group_by=specs,
        keep_results=keep_results,
        max_line_bytes=max_line_bytes,
        batch_lines=batch_lines,
    )
    # One node for the rule set, so it is sent to each worker once, not with every task.
    rules = delayed(ruleset, name=f"cs-score-ruleset-{uuid.uuid4().hex}", traverse=False)
    if isinstance(source, dask.bag.Bag):
        pieces = source.to_delayed()

        def task(index: int, skip: dict[int, str] | None) -> Delayed:
            return delayed(_score_items)(pieces[index], name, index, rules, options, skip)

        count = len(pieces)
    else:
        files = expand_paths([source] if isinstance(source, str) else list(source), storage_options)

        def task(index: int, skip: dict[int, str] | None) -> Delayed:
            return delayed(_score_file)(files[index], index, rules, options, storage_options, skip)

        count = len(files)
    if count == 0:
        return Collector(ruleset, options).finish()
    partitions = list(persist(*[task(index, None) for index in range(count)]))
    # Duplicate ids across partitions: the first occurrence in input order wins.
    ids = dask.bag.from_delayed([delayed(_ids)(partition) for partition in partitions])
    repeated = (
        ids.foldby(_id_of, _add_position, (), _join_positions, (), split_every=split_every)
        .filter(_repeated)
        .compute()
    )
    skips: dict[int, dict[int, str]] = {}
    for record_id, positions in repeated:
        for seq in sorted(positions)[1:]:
            skips.setdefault(seq // PARTITION_STRIDE, {})[seq] = duplicate_reason(record_id)
    for index, skip in skips.items():
        partitions[index] = task(index, skip)
    level = [delayed(_summary)(partition) for partition in partitions]
    while len(level) > 1:
        level = [
            delayed(_combine)(*level[i : i + split_every])
            for i in range(0, len(level), split_every)
        ]
    collector = Collector(ruleset, options)
    if collector.store is not None:
        for i in range(0, count, split_every):
            spools = compute(*[delayed(_spool)(p) for p in partitions[i : i + split_every]])
            for spool in spools:
                collector.store.write_encoded(spool)
    (total,) = compute(level[0])
    collector.take(total.outcome)
    return collector.finish(total.faults)


@contextlib.contextmanager
def connect(scheduler: str | None = None, workers: int | None = None) -> Iterator[Any]:
    """A `distributed.Client` for the run: the scheduler at `scheduler`, or a local cluster.

    The local cluster runs `workers` processes (default: one per core) of one thread each,
    listens on 127.0.0.1 only, and has no dashboard. Everything is shut down on exit.
    """
    try:
        from distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - the extra installs it with Dask
        raise UsageError(
            f"the dask engine needs Dask's distributed scheduler: {DASK_EXTRA}"
        ) from None

    if scheduler is not None:
        try:
            client = Client(scheduler, timeout="10s")
        except (OSError, TimeoutError) as exc:
            raise UsageError(f"--scheduler {scheduler}: cannot connect ({exc})") from None
        with client:
            yield client
        return
    cluster = LocalCluster(
        n_workers=workers or _cores(),
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        silence_logs=logging.ERROR,
    )
    with cluster, Client(cluster) as client:
        yield client


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


__all__ = ["DASK_EXTRA", "LogFile", "connect", "evaluate", "expand_paths"]
