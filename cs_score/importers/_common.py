"""What every importer shares: the rejection and fault types, opening inputs (plain, `.gz`, `-`),
reading lines with their physical numbers, and writing timestamps as RFC 3339."""

from __future__ import annotations

import difflib
import gzip
import io
import json
import os
import sys
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, BinaryIO, cast

from cs_score.errors import InputError

MAX_LINE_BYTES = 16 * 1024 * 1024
"""Longest CSV or JSON Lines line accepted; a longer one is rejected without being held."""

GZIP_MAGIC = b"\x1f\x8b"
STDIN = "<stdin>"
_TWITTER_EPOCH_MS = 1288834974657
_UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Rejected:
    """A row or conversation of the input that could not be made into a record, and why.

    `line` is the physical line for CSV and JSON Lines, and the 1-based position of the
    conversation for inputs that are one JSON document (see each format's documentation).
    """

    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


ImportItem = dict[str, Any] | Rejected
"""What an importer yields: a record in the SPEC's interaction format, or a rejection."""


class ImportFault(InputError):
    """A whole input that cannot be imported (missing file, damaged gzip, bad mapping file).

    The message is one line and names the file; the CLI prints it and exits 2.
    """


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`" (did you mean 'x'?)"` for the nearest choice, or `""` when nothing is close."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def refuse_mapping(fmt: str, mapping: object | None) -> None:
    """Built-in corpus formats know their layout; a mapping file would be silently ignored."""
    if mapping is not None:
        raise ImportFault(f"format '{fmt}' takes no mapping file (only csv and jsonl do)")


@contextmanager
def open_input(path: str) -> Iterator[tuple[str, BinaryIO]]:
    """Open an input for reading bytes, gunzipping when it is gzip; `-` is standard input.

    Yields the name to report (`<stdin>` for `-`) and the stream; closes every layer after
    (never standard input itself). Gzip is recognised by its content; a file named `.gz` that
    is not gzip is a fault, since it is most likely truncated or mislabelled.
    """
    if path == "-":
        name, raw = STDIN, cast(BinaryIO, sys.stdin.buffer)
    else:
        name = path
        if os.path.isdir(path):
            raise ImportFault(f"{path}: is a directory, not an export file")
        try:
            raw = open(path, "rb")  # noqa: SIM115 - closed below
        except FileNotFoundError:
            raise ImportFault(f"{path}: no such file") from None
        except PermissionError:
            raise ImportFault(f"{path}: permission denied") from None
        except OSError as exc:
            raise ImportFault(f"{path}: cannot open ({exc.strerror})") from None
    try:
        buffered = (
            raw
            if isinstance(raw, io.BufferedReader)
            else io.BufferedReader(cast(io.RawIOBase, raw))
        )
        try:
            magic = buffered.peek(2)[:2]
        except OSError as exc:
            raise ImportFault(f"{name}: cannot read ({exc})") from None
        if magic == GZIP_MAGIC:
            with gzip.GzipFile(fileobj=buffered) as unzipped:
                yield name, cast(BinaryIO, unzipped)
            return
        if name.endswith(".gz"):
            raise ImportFault(f"{name}: not a gzip file, although its name ends in .gz")
        yield name, cast(BinaryIO, buffered)
    finally:
        if raw is not sys.stdin.buffer:
            raw.close()


@dataclass(frozen=True, slots=True)
class Line:
    """One physical line of text input, or the reason it could not be read."""

    number: int
    text: str
    problem: str | None = None


def read_lines(name: str, stream: BinaryIO, max_bytes: int = MAX_LINE_BYTES) -> Iterator[Line]:
    """Every physical line with its 1-based number, decoded as UTF-8 (a leading BOM dropped).

    A line that is not UTF-8 or is longer than `max_bytes` comes with a `problem` and the text
    of an empty line, so a caller can reject what it belongs to and go on. Damaged gzip data
    is a fault naming the last good line.
    """
    number = 0
    try:
        while True:
            chunk = stream.readline(max_bytes + 1)
            if not chunk:
                return
            number += 1
            if len(chunk) > max_bytes and not chunk.endswith(b"\n"):
                while chunk and not chunk.endswith(b"\n"):
                    chunk = stream.readline(1 << 20)
                yield Line(number, "\n", f"line longer than {max_bytes:,} bytes")
                continue
            if number == 1 and chunk.startswith(b"\xef\xbb\xbf"):
                chunk = chunk[3:]
            try:
                yield Line(number, chunk.decode("utf-8"))
            except UnicodeDecodeError:
                yield Line(number, "\n", "not valid UTF-8")
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise ImportFault(f"{name}: damaged gzip data after line {number} ({exc})") from None
    except OSError as exc:
        raise ImportFault(f"{name}: read failed after line {number} ({exc})") from None


def load_json_document(path: str) -> tuple[str, Any]:
    """Read one whole JSON document (plain or gzip). The corpora are single JSON arrays, so
    this holds the file in memory; a file that is not JSON is a fault."""
    with open_input(path) as (name, stream):
        try:
            data = stream.read()
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            raise ImportFault(f"{name}: damaged gzip data ({exc})") from None
        except OSError as exc:
            raise ImportFault(f"{name}: read failed ({exc})") from None
    try:
        return name, json.loads(data)
    except UnicodeDecodeError:
        raise ImportFault(f"{name}: not valid UTF-8") from None
    except json.JSONDecodeError as exc:
        raise ImportFault(
            f"{name}: not valid JSON (line {exc.lineno} column {exc.colno}: {exc.msg})"
        ) from None
    except RecursionError:
        raise ImportFault(f"{name}: JSON nested too deeply to read") from None


def format_time(value: datetime) -> str:
    """RFC 3339 text: `Z` for UTC, fractions only when present, no offset when naive."""
    if value.microsecond == 0:
        spec = "seconds"
    elif value.microsecond % 1000 == 0:
        spec = "milliseconds"
    else:
        spec = "microseconds"
    text = value.isoformat(timespec=spec)
    if text.endswith("+00:00"):
        text = text[:-6] + "Z"
    return text


def from_epoch_ms(ms: int | float) -> datetime:
    """An aware UTC time from milliseconds since the Unix epoch (exact for integers)."""
    if isinstance(ms, int):
        return _UNIX_EPOCH + timedelta(milliseconds=ms)
    return _UNIX_EPOCH + timedelta(microseconds=round(ms * 1000))


def snowflake_time(tweet_id: int) -> datetime:
    """When a tweet was posted, from its snowflake id.

    Ms since the Unix epoch = (id >> 22) + 1288834974657 (Twitter's epoch, 2010-11-04).
    """
    return from_epoch_ms((tweet_id >> 22) + _TWITTER_EPOCH_MS)


def parse_iso(text: str) -> datetime:
    """An ISO 8601 / RFC 3339 time (`Z` allowed); raises ValueError."""
    return datetime.fromisoformat(text.strip())


def sort_key(value: datetime) -> datetime:
    """Comparable key for aware and naive times alike (naive ones taken as UTC for ordering)."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


class IdRegistry:
    """Record ids already written in this import, so a repeat is rejected rather than emitted.

    Holds one short entry per record: the only state that grows with the input.
    """

    def __init__(self) -> None:
        self._first: dict[str, tuple[str, int]] = {}

    def claim(self, record_id: str, file: str, line: int) -> str | None:
        """None when the id is new (it is then taken), else the rejection reason."""
        first = self._first.get(record_id)
        if first is not None:
            return f"repeats id '{record_id}' (first at {first[0]}:{first[1]})"
        self._first[record_id] = (file, line)
        return None


@dataclass
class Tally:
    """The accounting of one import: what was read, what was rejected, and what was read but
    not imported (counted by kind), so nothing is dropped without being reported.

    `read` counts the format's units (`unit`: rows for `csv` and `jsonl`, tickets,
    conversations or calls for the others); every unit read is imported or rejected, so
    `imported` is `read - rejected`. `not_imported` counts parts of imported units that no
    record field holds (an Intercom assignment, an attachment's file), by a phrase that names
    them in the plural.
    """

    unit: str = "conversations"
    read: int = 0
    rejected: int = 0
    not_imported: dict[str, int] = field(default_factory=dict)
    _singular: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def imported(self) -> int:
        return self.read - self.rejected

    def skip(self, one: str, many: str, count: int = 1) -> None:
        """Count `count` parts read but not imported, named `one` (singular) or `many`."""
        self.not_imported[many] = self.not_imported.get(many, 0) + count
        self._singular[many] = one

    def add(self, other: Tally) -> None:
        """Count what `other` counted as not imported, too."""
        for many, count in other.not_imported.items():
            self.skip(other._singular.get(many, many), many, count)

    def summary(self) -> list[str]:
        """The lines the CLI prints after an import."""
        unit = self.unit.removesuffix("s") if self.read == 1 else self.unit
        lines = [
            f"read {self.read:,} {unit}: {self.imported:,} imported, {self.rejected:,} rejected"
        ]
        if self.not_imported:
            parts = ", ".join(
                f"{n:,} {self._singular.get(what, what) if n == 1 else what}"
                for what, n in sorted(self.not_imported.items())
            )
            lines.append(f"not imported: {parts}")
        return lines
