"""The interaction record, and how a JSON Lines stream of them is read.

Reading is split in two so that decoding can run in worker processes: `read_lines` streams raw
lines with their file and line number (plain files, `.gz`, or `-` for standard input), and
`decode` turns one line into an `Interaction` or a `Rejection` with the reason. Neither keeps
more than one line in memory.
"""

from __future__ import annotations

import difflib
import gzip
import io
import os
import re
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from itertools import pairwise
from typing import Any, BinaryIO, Final

import msgspec

from cs_score.errors import InputError
from cs_score.interaction import (
    Event,
    Interaction,
    KnownInteraction,
    Product,
    Promise,
    Resolution,
    Survey,
)
from cs_score.pickling import by_position, mypyc_attr

MAX_LINE_BYTES: Final = 16 * 1024 * 1024
"""Default longest line accepted; a longer one is rejected without being held in memory."""

UTF8_BOM: Final = b"\xef\xbb\xbf"
"""What a file saved as "UTF-8 with BOM" starts with; skipped at the start of line 1."""

MAX_DEPTH: Final = 64
"""Deepest nesting of JSON arrays and objects accepted in a line."""

_NOT_A_NUMBER = re.compile(rb"[:\[,]\s*-?(?:NaN|Infinity)\b")
_LEAP_SECOND = re.compile(rb'([Tt ]\d\d:\d\d):60(?:\.\d+)?(?=[Zz+\-"])')
"""A leap second (`23:59:60`), which RFC 3339 allows and Python's times cannot hold: it is
read as the last microsecond of the second before."""
FIRST_YEAR: Final = 1900
LAST_YEAR: Final = 8999
"""Timestamps are read from years 1900 to 8999: far from the ends of what Python's times can
hold, so no shift of time zone, target or window can run past them."""
_NESTING = re.compile(rb'[\[\]{}"\\]')


# Not frozen: one is made for every line, and a frozen dataclass is 3× slower to make.
@dataclass(slots=True, init=False)
class Source:
    """Where a record came from."""

    file: str
    line: int

    # An __init__ of its own: compiled, where the one `dataclass` writes stays Python code.
    def __init__(self, file: str, line: int) -> None:
        self.file = file
        self.line = line


by_position(Source)


@dataclass(frozen=True, slots=True)
class Rejection:
    """A line that could not be scored, and why."""

    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


by_position(Rejection)


# Not frozen: one is made for every line, and a frozen dataclass is 3× slower to make.
@mypyc_attr(serializable=True, allow_interpreted_subclasses=True)
@dataclass(slots=True, init=False)
class RawLine:
    """One line of input, undecoded, or a line too long to keep (`data` is None)."""

    file: str
    line: int
    data: bytes | None

    # An __init__ of its own: compiled, where the one `dataclass` writes stays Python code.
    def __init__(self, file: str, line: int, data: bytes | None) -> None:
        self.file = file
        self.line = line
        self.data = data


_decoder = msgspec.json.Decoder(Interaction)
_known_decoder = msgspec.json.Decoder(KnownInteraction)


def _with_zone(value: datetime | None, zone: tzinfo) -> datetime | None:
    """A naive time read in `zone`, given the fixed offset it has there.

    A fixed offset rather than the zone itself: Python subtracts two times that share a
    `tzinfo` object by their wall clocks, which is an hour off across a clock change.
    """
    if value is None or value.tzinfo is not None:
        return value
    offset = value.replace(tzinfo=zone).utcoffset() or timedelta(0)
    fixed = _FIXED.get(offset)
    if fixed is None:
        fixed = _FIXED[offset] = timezone(offset)
    return value.replace(tzinfo=fixed)


_FIXED: dict[timedelta, timezone] = {}


def _problem(exc: msgspec.ValidationError) -> str:
    message = str(exc)
    head, sep, path = message.rpartition(" - at `$")
    if not sep:
        return f"invalid record: {message}"
    path = path.rstrip("`").lstrip(".")
    if "RFC3339" in head:
        return f"bad timestamp in {path}"
    return f"bad field {path}: {head}"


# Not frozen: one is made for every line, and a frozen dataclass is 3× slower to make.
@mypyc_attr(serializable=True, allow_interpreted_subclasses=True)
@dataclass(slots=True, init=False)
class Decoded:
    """A decoded interaction, with how many of its events were out of time order."""

    interaction: Interaction
    source: Source
    events_reordered: bool
    latest: datetime | None = None
    """The latest of the record's timestamps (what the default as-of time is made of)."""
    warnings: list[str] | None = None
    """What in the line is probably a mistake (unknown fields, times without an offset), each
    as the message the run's warnings give; None when nothing is."""

    # An __init__ of its own: compiled, where the one `dataclass` writes stays Python code.
    def __init__(
        self,
        interaction: Interaction,
        source: Source,
        events_reordered: bool,
        latest: datetime | None = None,
        warnings: list[str] | None = None,
    ) -> None:
        self.interaction = interaction
        self.source = source
        self.events_reordered = events_reordered
        self.latest = latest
        self.warnings = warnings


def decode(raw: RawLine, zone: tzinfo, max_line_bytes: int = MAX_LINE_BYTES) -> Decoded | Rejection:
    """Decode one line into an interaction, or say why it cannot be scored."""
    if raw.data is None:
        return Rejection(raw.file, raw.line, f"line longer than {max_line_bytes:,} bytes")
    data = raw.data
    try:  # nearly every line: only known fields (see `KnownInteraction`)
        record: Interaction = _known_decoder.decode(data)
    except (msgspec.ValidationError, msgspec.DecodeError):
        if raw.line == 1 and data.startswith(UTF8_BOM):  # Excel and PowerShell write one
            data = data[len(UTF8_BOM) :]
        checked = _decode_checked(data)  # unknown fields, or no record at all
        if isinstance(checked, str):
            return Rejection(raw.file, raw.line, checked)
        record = checked
        if not record.id:
            return Rejection(raw.file, raw.line, "empty 'id'")
        decoded = _complete(record, Source(raw.file, raw.line), zone)
        if not isinstance(decoded, Rejection):
            unknown = unknown_fields(data)
            if unknown:
                decoded.warnings = unknown + (decoded.warnings or [])
        return decoded
    if not record.id:
        return Rejection(raw.file, raw.line, "empty 'id'")
    return _complete(record, Source(raw.file, raw.line), zone)


def _names(struct: Any) -> frozenset[str]:
    return frozenset(field.encode_name for field in msgspec.structs.fields(struct))


KNOWN_FIELDS: Final = {
    "records": _names(Interaction),
    "events": _names(Event),
    "product": _names(Product),
    "resolution": _names(Resolution),
    "promises": _names(Promise),
    "survey": _names(Survey),
}
"""The fields of a record and of each of its parts, as written in JSON."""


def unknown_fields(data: bytes) -> list[str]:
    """A warning for each field of a record (or of its events, product, …) that no rule reads:
    a misspelt `start_time` is ignored, and the wait it was meant for is n/a."""
    try:
        document = msgspec.json.decode(data)
    except msgspec.DecodeError:
        return []
    if not isinstance(document, dict):
        return []
    found: dict[tuple[str, str], None] = {}
    parts: list[tuple[str, Any]] = [("records", document)]
    for name in ("product", "resolution", "survey"):
        parts.append((name, document.get(name)))
    for name in ("events", "promises"):
        items = document.get(name)
        if isinstance(items, list):
            parts.extend((name, item) for item in items)
    for where, part in parts:
        if isinstance(part, dict):
            known = KNOWN_FIELDS[where]
            for key in part:
                if key not in known:
                    found[(where, key)] = None
    warnings = []
    for where, key in found:
        close = difflib.get_close_matches(key, sorted(KNOWN_FIELDS[where]), n=1, cutoff=0.6)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        warnings.append(f"unknown field '{key}' in {where}, ignored{hint}")
    return warnings


def _decode_checked(data: bytes) -> Interaction | str:
    """A line that is not only known fields: its record, or why it has none."""
    opened = len(data) - len(data.translate(None, b"[{"))  # faster than counting each
    if opened > MAX_DEPTH and _depth(data) > MAX_DEPTH:
        return f"JSON nested deeper than {MAX_DEPTH} levels"
    if not data.isascii():  # the decoder checks only the strings it keeps, not the others
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return "not valid UTF-8"
    try:
        record: Interaction = _decoder.decode(data)
    except msgspec.ValidationError as exc:
        message = str(exc)
        if "RFC3339" in message and b":60" in data:
            leap = _LEAP_SECOND.sub(rb"\1:59.999999", data)
            if leap != data:
                return _decode_checked(leap)
        if message.startswith("Expected `object`"):
            return "not a JSON object"
        if "missing required field `id`" in message and "- at" not in message:
            return "missing required field 'id'"
        return _problem(exc)
    except msgspec.DecodeError as exc:
        detail = str(exc).removeprefix("JSON is malformed: ")
        if _NOT_A_NUMBER.search(data):
            detail = "NaN and Infinity are not JSON numbers"
        return f"not valid JSON ({detail})"
    return record


def _depth(data: bytes) -> int:
    """The deepest nesting of arrays and objects in a JSON text (brackets in strings ignored)."""
    depth = deepest = 0
    in_string = False
    escaped_at = -1
    for match in _NESTING.finditer(data):
        token = match.group()
        if in_string:
            if match.start() == escaped_at:
                continue
            if token == b"\\":
                escaped_at = match.end()
            elif token == b'"':
                in_string = False
            continue
        if token == b'"':
            in_string = True
        elif token in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        elif token in (b"]", b"}"):
            depth -= 1
    return deepest


def _complete(record: Interaction, source: Source, zone: tzinfo) -> Decoded | Rejection:
    """Give naive timestamps the rule set's zone, check times, sort events by time."""
    try:
        started, answered, ended = record.started_at, record.answered_at, record.ended_at
        offsetless = (
            (started is not None and started.tzinfo is None)
            or (answered is not None and answered.tzinfo is None)
            or (ended is not None and ended.tzinfo is None)
        )
        if started is not None and started.tzinfo is None:
            record.started_at = _with_zone(started, zone)
        if answered is not None and answered.tzinfo is None:
            record.answered_at = _with_zone(answered, zone)
        if ended is not None and ended.tzinfo is None:
            record.ended_at = _with_zone(ended, zone)
        events = record.events
        naive = reordered = False
        out_of_range = _outside_years(started) or _outside_years(answered) or _outside_years(ended)
        previous: datetime | None = None  # the last timed event's time
        for event in events:
            at = event.at
            if at is None:
                continue
            year = at.year
            if year < FIRST_YEAR or year > LAST_YEAR:
                out_of_range = True
            if at.tzinfo is None:
                naive = True
                break
            if previous is not None and at < previous:
                reordered = True
            previous = at
        if naive:
            events = [
                msgspec.structs.replace(e, at=_with_zone(e.at, zone)) if e.at else e for e in events
            ]
            timed = [e.at for e in events if e.at is not None]
            reordered = any(later < earlier for earlier, later in pairwise(timed))
        if not out_of_range and record.promises:
            out_of_range = any(
                _outside_years(t)
                for p in record.promises
                for t in (p.due, p.made_at, p.kept_at, p.notified_at)
            )
        if out_of_range:
            return Rejection(
                source.file,
                source.line,
                f"timestamp out of range (years {FIRST_YEAR} to {LAST_YEAR} are read)",
            )
        if record.promises and any(_naive(p) for p in record.promises):
            offsetless = True
            record.promises = [
                msgspec.structs.replace(
                    p,
                    due=_with_zone(p.due, zone),
                    made_at=_with_zone(p.made_at, zone),
                    kept_at=_with_zone(p.kept_at, zone),
                    notified_at=_with_zone(p.notified_at, zone),
                )
                for p in record.promises
            ]
        if reordered:
            events = sorted(events, key=lambda e: (e.at is None, e.at or _EPOCH))
        record.events = events
        started, answered = record.started_at, record.answered_at
        if started is not None and answered is not None and answered < started:
            return Rejection(source.file, source.line, "answered_at is before started_at")
        if naive or reordered or record.promises:
            latest = max(timestamps(record), default=None)
        else:  # events are in time order: the last timed one is the latest
            latest = previous
            for value in (started, answered, record.ended_at):
                if value is not None and (latest is None or value > latest):
                    latest = value
    except (OverflowError, ValueError) as exc:
        return Rejection(source.file, source.line, f"bad timestamp ({exc})")
    if offsetless or naive:
        return Decoded(record, source, reordered, latest, [naive_warning(zone)])
    return Decoded(record, source, reordered, latest)


def _outside_years(moment: datetime | None) -> bool:
    return moment is not None and not FIRST_YEAR <= moment.year <= LAST_YEAR


def naive_warning(zone: tzinfo) -> str:
    """The warning for times written without a UTC offset (`2026-03-02T09:00:00`)."""
    return (
        f"timestamps without a UTC offset, read in the rule set's time zone ({zone}); "
        "add the offset (+01:00, Z) or set `timezone` in the rules"
    )


def _naive(promise: Promise) -> bool:
    return any(
        t is not None and t.tzinfo is None
        for t in (promise.due, promise.made_at, promise.kept_at, promise.notified_at)
    )


_EPOCH: Final = datetime(1970, 1, 1).astimezone()

GZIP_MAGIC = b"\x1f\x8b"
BINARY_SNIFF = 4096
"""Bytes looked at for NUL characters, the mark of a binary file."""


def shown_name(path: str) -> str:
    """A file's name as outputs show it. A name that is not valid UTF-8 reaches Python with
    its odd bytes as lone surrogates, which no UTF-8 output can hold: they are written as
    `\\udcXX` escapes, as the table shows them."""
    if path.isascii():
        return path
    return path.encode("utf-8", "backslashreplace").decode("utf-8")


def _open(path: str) -> tuple[str, BinaryIO]:
    if path == "-":
        return "<stdin>", sys.stdin.buffer
    if os.path.isdir(path):
        raise InputError(f"{path}: is a directory, not a log file")
    try:
        return shown_name(path), open(path, "rb")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot open ({exc.strerror})") from None


def _maybe_gunzip(stream: BinaryIO) -> io.BufferedReader:
    buffered: Any = stream if isinstance(stream, io.BufferedReader) else io.BufferedReader(stream)
    if buffered.peek(2)[:2] == GZIP_MAGIC:
        # Unbuffered on top: a read returns what was unpacked so far, so the lines before a
        # damaged part of the stream are all read before the damage is found.
        unpacked: Any = gzip.GzipFile(fileobj=buffered)
        return unpacked  # type: ignore[no-any-return]
    plain: io.BufferedReader = buffered
    return plain


def read_lines(path: str, max_line_bytes: int = MAX_LINE_BYTES) -> Iterator[RawLine]:
    """Stream the lines of one log (plain or gzip, detected by content; `-` is stdin).

    A line over `max_line_bytes` is yielded with `data=None` and skipped without being held.
    A damaged gzip stream raises InputError naming the last good line.
    """
    for block in read_blocks(path, max_line_bytes):
        for _, raw in block.raw_lines(max_line_bytes):
            yield raw


def read_stream(
    name: str, stream: BinaryIO, max_line_bytes: int = MAX_LINE_BYTES
) -> Iterator[RawLine]:
    """Stream the lines of an open binary stream named `name`, as `read_lines` does a file.

    The caller opens and closes the stream: a local file, standard input, or any fsspec file
    (which is how `cs_score.dask` reads logs from object stores).
    """
    for block in read_stream_blocks(name, stream, max_line_bytes):
        for _, raw in block.raw_lines(max_line_bytes):
            yield raw


def timestamps(record: Interaction) -> Iterator[datetime]:
    """Every timestamp of a record, for the default as-of time."""
    for value in (record.started_at, record.answered_at, record.ended_at):
        if value is not None:
            yield value
    for event in record.events:
        if event.at is not None:
            yield event.at
    for promise in record.promises:
        for value in (promise.made_at, promise.kept_at, promise.notified_at):
            if value is not None:
                yield value


def to_builtins(record: Interaction) -> dict[str, Any]:
    """The record as plain JSON-ready data (for explain and tests)."""
    data: dict[str, Any] = msgspec.to_builtins(record)
    return data


BLOCK_BYTES: Final = 1 << 20
"""Bytes read at a time into a `Block` (a block holds whole lines, so it may be longer)."""


@dataclass(frozen=True, slots=True)
class Block:
    """Consecutive lines of one input as read, undecoded: the unit sent to worker processes.

    `data` holds `lines` whole lines (the last may lack its newline at the end of a file);
    `data=None` stands for one line too long to keep, skipped as it was read.
    """

    file: str
    first_line: int
    lines: int
    data: bytes | None

    def raw_lines(
        self, max_line_bytes: int = MAX_LINE_BYTES, start: int = 0
    ) -> list[tuple[int, RawLine]]:
        """(`start` + offset from the first line, line) of each line that is not blank.

        A list, not a generator: compiled, a loop over a list costs less than resuming a
        generator for each line.
        """
        file, first = self.file, self.first_line
        if self.data is None:
            return [(start, RawLine(file, first, None))]
        found: list[tuple[int, RawLine]] = []
        for offset, data in enumerate(self.data.split(b"\n")[: self.lines]):
            if len(data) > max_line_bytes:
                found.append((start + offset, RawLine(file, first + offset, None)))
            elif data and not data.isspace():
                found.append((start + offset, RawLine(file, first + offset, data)))
        return found


by_position(Block)


def read_blocks(
    path: str,
    max_line_bytes: int = MAX_LINE_BYTES,
    max_lines: int = 2000,
    block_bytes: int = BLOCK_BYTES,
) -> Iterator[Block]:
    """Stream one log (plain or gzip, detected by content; `-` is stdin) as blocks of at most
    `max_lines` whole lines.

    Lines are split and numbered where they are scored, so reading costs little per line. A
    line over `max_line_bytes` is skipped as it is read, never held whole. A damaged gzip
    stream raises InputError naming the last line read before the damage.
    """
    name, stream = _open(path)
    try:
        yield from read_stream_blocks(name, stream, max_line_bytes, max_lines, block_bytes)
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()


def read_stream_blocks(
    name: str,
    stream: BinaryIO,
    max_line_bytes: int = MAX_LINE_BYTES,
    max_lines: int = 2000,
    block_bytes: int = BLOCK_BYTES,
) -> Iterator[Block]:
    """`read_blocks` of an open binary stream named `name` (see `read_stream`)."""
    number = 0  # lines handed out so far
    carry: list[bytes] = []  # the start of a line whose newline is not read yet
    carried = 0
    skipping = False  # inside a line too long to keep, until its newline
    try:
        reader = _maybe_gunzip(stream)
        head = reader.peek(BINARY_SNIFF)[:BINARY_SNIFF]
        if b"\x00" in head:
            raise InputError(f"{name}: binary data, not JSON Lines text")
        shape = wrong_shape(head, name if name != "<stdin>" else "FILE")
        if shape is not None:
            raise InputError(f"{name}: {shape}")
        while True:
            data = reader.read1(block_bytes)
            if not data:
                break
            if skipping:
                cut = data.find(b"\n")
                if cut < 0:
                    continue
                data = data[cut + 1 :]
                skipping = False
                if not data:
                    continue
            end = data.rfind(b"\n")
            if end < 0:
                carry.append(data)
                carried += len(data)
                if carried > max_line_bytes:
                    number += 1
                    yield Block(name, number, 1, None)
                    carry, carried, skipping = [], 0, True
                continue
            if carry:
                carry.append(data[: end + 1])
                whole = b"".join(carry)
            else:
                whole = data[: end + 1] if end + 1 < len(data) else data
            rest = data[end + 1 :]
            carry, carried = ([rest], len(rest)) if rest else ([], 0)
            for block in _split(name, number, whole, max_lines):
                number += block.lines
                yield block
        if carry:
            last = b"".join(carry)
            number += 1
            yield Block(name, number, 1, None if len(last) > max_line_bytes else last)
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise InputError(f"{name}: damaged gzip data after line {number} ({exc})") from None
    except OSError as exc:
        raise InputError(f"{name}: read failed after line {number} ({exc})") from None


def wrong_shape(head: bytes, name: str = "FILE") -> str | None:
    """What the start of an input says it is, when it is plainly not JSON Lines (a JSON array,
    one JSON document spread over lines, a CSV table), with what to do; None when it may be.

    Such a file would otherwise give one rejected line for each of its lines.
    """
    text = head.removeprefix(UTF8_BOM).lstrip()
    if not text:
        return None
    lines = text.split(b"\n", 2)
    first = lines[0].strip()
    if first.startswith(b"["):
        return (
            "a JSON array, not JSON Lines (one interaction per line); "
            f"convert it with: jq -c '.[]' {name} > {_renamed(name)}"
        )
    if first.startswith(b"{"):
        following = lines[1] if len(lines) > 1 else b""
        if first == b"{" or (
            following[:1] in (b" ", b"\t") and following.lstrip()[:1] in (b'"', b"}")
        ):
            return (
                "pretty-printed JSON (a record spread over several lines), not JSON Lines "
                f"(one interaction per line); convert it with: jq -c . {name} > {_renamed(name)}"
            )
        return None
    shown_text = first.decode("utf-8", "replace")
    if (
        first[:1] != b'"'
        and any(mark in first for mark in (b",", b";", b"\t"))
        and shown_text.replace("\t", " ").isprintable()
        and any(c.isalpha() for c in shown_text)
    ):
        shown = first[:40].decode("utf-8", "replace") + ("…" if len(first) > 40 else "")
        return (
            f"a table (CSV?) starting {shown!r}, not JSON Lines; turn its rows into "
            f"interaction records with: cs-score import csv {name} --mapping MAPPING.yaml "
            "(see docs/mapping.md)"
        )
    return None


def _renamed(name: str) -> str:
    stem = name.rsplit(".", 1)[0] if "." in name.rsplit("/", 1)[-1] else name
    return f"{stem}.jsonl" if not name.endswith(".jsonl") else f"{stem}.lines.jsonl"


def _newlines(whole: bytes) -> int:
    """How many newlines `whole` holds. Where lines are long (as interactions with their
    events are), looking for each newline is four times faster than `bytes.count`, which
    reads every byte; where they are short, it is slower, so the first line decides."""
    at = whole.find(b"\n")
    if at < _LONG_LINE:
        return whole.count(b"\n")
    count = 0
    while at >= 0:
        count += 1
        at = whole.find(b"\n", at + 1)
    return count


_LONG_LINE: Final = 512
"""Bytes from which a line is long enough to find its end rather than count (the two cost
the same near 300 bytes)."""


def _split(name: str, number: int, whole: bytes, max_lines: int) -> Iterator[Block]:
    """Whole lines (ending with a newline) as blocks of at most `max_lines` lines."""
    count = _newlines(whole)
    start = 0
    while count > max_lines:
        end = start
        for _ in range(max_lines):
            end = whole.index(b"\n", end) + 1
        yield Block(name, number + 1, max_lines, whole[start:end])
        number += max_lines
        count -= max_lines
        start = end
    yield Block(name, number + 1, count, whole[start:] if start else whole)
