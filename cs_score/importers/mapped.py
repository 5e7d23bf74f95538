"""`csv` and `jsonl`: help-desk exports, read through a mapping file that names their columns.

Most help desks, chat and phone systems export one row per message (a conversation id, a
sender, a time and the text) or one row per ticket. A mapping file says which column is which.
Inputs are UTF-8 (a leading BOM is ignored), plain or gzip, or `-` for standard input.


```yaml
name: Acme help desk     # optional, with `description`: free text for people
format: csv              # csv | jsonl (optional; when given it must match the FORMAT argument)
level: message           # message: one row per message | interaction: one row per interaction
grouped: any             # any (default) | contiguous — see "Memory" below
delimiter: ","           # CSV only; one character
fields:
  id: conversation_id    # required: the conversation (ticket, chat, call) id
  at: created_at         # message level, required: when the message was sent
  time_format: iso8601   # iso8601 (default) | epoch | epoch_ms | strptime, e.g. "%d/%m/%Y %H:%M"
  timezone: Europe/Paris # zone of times written without an offset (default: none, see below)
  sender: author_type    # message level, required: who wrote it; its values are mapped by `roles`
  text: body             # the message text
  type: is_private       # optional: a column whose values are mapped by `types` (note, action)
  channel: channel       # phone, chat, email, ...
  agent: agent_name      # taken from the conversation's first agent message that has it
  customer: requester    # taken from the conversation's first customer message that has it
  team: group_name
  case: ticket_id
  tags: tags             # a delimited list of tags
  tag_separator: ","     # default ","
  status: ticket_status  # resolution status; its values are mapped by `statuses`
  csat: satisfaction     # survey.csat, 1..5
  nps: nps               # survey.nps, 0..10
  attributes: [priority, brand]        # kept as attributes; or {name: column, ...} to rename
  # interaction level only: started_at, answered_at, ended_at (columns of times)
roles:                   # sender values (case-insensitive) for each role; default: the role names
  customer: [end-user, customer]
  agent: [agent, admin]
  bot: [bot]
  system: [system]
types: {note: ["true"]}  # values of the `type` column; any other value is a plain message
statuses: {resolved: [solved, closed], pending: [pending, open]}   # default: the status names
defaults: {channel: email}   # values for channel, agent, customer, team, case when a row has none
```

A column is named as in the CSV header, or, for JSON Lines, as a key of the row object; a
dotted path (`sender.email`, `message_parts.0.text`) reaches into nested objects and lists.
Any column may be a list (`agent: [sender.name, sender.email]`): the first non-empty one wins.
Values are compared as text: JSON `true`/`false` are `true`/`false`, numbers as written.

**Message level.** Rows are grouped into one record per conversation id and its messages
sorted by time (rows with the same time keep their input order). `started_at` is the first
customer message, `ended_at` the last message; `answered_at` is left out (the scorer uses
the first agent message). Channel, team, case, csat, nps and each attribute come from the
first row of the conversation that has them, `status` from the last one, and `tags` from
every row. A conversation with no customer message has no `started_at` (its wait is n/a).
Records come out in the order their conversations first appear.

**Interaction level.** Each row is one record: `id`, `channel`, `agent`, `customer`, `team`,
`case`, `tags`, `attributes`, `started_at`, `answered_at`, `ended_at`, `status`, `csat`, `nps`;
no events.

**Times.** Written back as RFC 3339. A time with an offset (or `epoch` / `epoch_ms`, which are
UTC) keeps it; one without an offset gets `timezone`, and without `timezone` it is written
without an offset, to be read in the rule set's `timezone` by `cs-score evaluate`.

**Memory.** With `grouped: any` (the default) the input need not be sorted, so every
conversation is held until the last input ends. With `grouped: contiguous` the rows of each
conversation must be next to each other (as in most exports, sorted by ticket): a
conversation is written as soon as the id changes, and only the ids seen so far are kept; a
row for a conversation that already ended is rejected. Several inputs are read as one stream.

**Rejected rows**, each reported as `FILE:LINE: reason` (LINE is the physical line where the
row starts) while the other rows are still imported: a missing conversation id (`missing
conversation id in column ticket_id`), an unparsable time (`bad timestamp '31/02/2024' in
column created_at`), an unknown sender role (`unknown sender role 'robot' (known: end-user,
customer, agent, admin)`), an unknown status, a csat or nps out of range, a CSV row whose
number of fields differs from the header, a JSON Lines line that is not a JSON object, a line
that is not UTF-8; at interaction level, a repeated id. Faults that stop the import: a missing
input, a CSV header lacking a mapped column (named, with the nearest header), and mistakes in
the mapping file: an unknown key, a value of the wrong kind or not among the choices, a field
missing or not used at the mapping's level, a value given for two roles. Those are found all
at once and reported one a line as `FILE:LINE:COL: path: message`, with the nearest valid key
or value, like a rule set's (the checks are `cs_score.importers.mapping_file`);
`cs-score import schema` prints the mapping file's JSON Schema for editors.

Bundled mappings for two help desks' message-level exports ship with cs-score and are named
without a path: `gorgias` and `freshdesk` (see `cs_score/mappings/*.yaml` for the export each
one reads and how to produce it).
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from cs_score.importers._common import (
    MAX_LINE_BYTES,
    IdRegistry,
    ImportFault,
    ImportItem,
    Line,
    Rejected,
    Tally,
    did_you_mean,
    format_time,
    from_epoch_ms,
    open_input,
    read_lines,
    sort_key,
)
from cs_score.importers.mapping_file import validate_mapping
from cs_score.textfile import UnreadableFile, read_text

ROLES = ("customer", "agent", "bot", "system")
TYPES = ("message", "note", "action")
STATUSES = ("resolved", "unresolved", "escalated", "pending")
TIME_FORMATS = ("iso8601", "epoch", "epoch_ms")
MAX_MAPPING_BYTES = 1 << 20

TOP_KEYS = (
    "format",
    "level",
    "grouped",
    "delimiter",
    "fields",
    "roles",
    "types",
    "statuses",
    "defaults",
    "name",
    "description",
)
COLUMN_FIELDS = (
    "id",
    "at",
    "sender",
    "text",
    "type",
    "channel",
    "agent",
    "customer",
    "team",
    "case",
    "tags",
    "status",
    "csat",
    "nps",
    "started_at",
    "answered_at",
    "ended_at",
)
OPTION_FIELDS = ("time_format", "timezone", "tag_separator", "attributes")
MESSAGE_ONLY = ("at", "sender", "text", "type")
INTERACTION_ONLY = ("started_at", "answered_at", "ended_at")
DEFAULT_KEYS = ("channel", "agent", "customer", "team", "case")
REQUIRED = {"message": ("id", "at", "sender"), "interaction": ("id",)}


@dataclass(frozen=True)
class Mapping:
    """A validated mapping file: which column is which, and how values are read."""

    file: str
    format: str | None
    level: str
    grouped: str
    delimiter: str
    columns: dict[str, tuple[str, ...]]
    attributes: tuple[tuple[str, tuple[str, ...]], ...]
    time_format: str
    timezone: tzinfo | None
    tag_separator: str
    roles: dict[str, str]
    types: dict[str, str]
    statuses: dict[str, str]
    defaults: dict[str, str]

    def column_names(self) -> Iterator[tuple[str, tuple[str, ...]]]:
        """(field, candidate columns) of every mapped column, attributes included."""
        yield from self.columns.items()
        for name, candidates in self.attributes:
            yield f"attributes.{name}", candidates


# ---------------------------------------------------------------------------------------------
# Loading a mapping file


def bundled_mappings() -> list[str]:
    """Names of the mappings that ship with cs-score."""
    folder = resources.files("cs_score").joinpath("mappings")
    try:
        return sorted(
            entry.name.removesuffix(".yaml")
            for entry in folder.iterdir()
            if entry.name.endswith(".yaml")
        )
    except (FileNotFoundError, NotADirectoryError):
        return []


def load_mapping(name_or_path: str) -> Mapping:
    """Load and validate a mapping file, or a bundled mapping by name (e.g. `gorgias`)."""
    if (
        os.path.exists(name_or_path)
        or "/" in name_or_path
        or os.sep in name_or_path
        or name_or_path.endswith((".yaml", ".yml"))
    ):
        path = name_or_path
        try:
            text = read_text(path, MAX_MAPPING_BYTES, "mapping file")
        except FileNotFoundError:
            raise ImportFault(f"{path}: no such mapping file") from None
        except UnreadableFile as exc:
            raise ImportFault(f"{path}: {exc}") from None
        return parse_mapping(text, path)
    known = bundled_mappings()
    if name_or_path not in known:
        raise ImportFault(
            f"{name_or_path}: no such mapping file, nor a bundled mapping "
            f"(bundled: {', '.join(known) or 'none'}){did_you_mean(name_or_path, known)}"
        )
    resource = resources.files("cs_score").joinpath("mappings", f"{name_or_path}.yaml")
    return parse_mapping(resource.read_text(encoding="utf-8"), f"{name_or_path} (bundled mapping)")


def parse_mapping(text: str, file: str) -> Mapping:
    """Validate a mapping's YAML text; its mistakes, all at once, are a MappingError whose
    lines each name FILE:LINE:COL (see `mapping_file`)."""
    _, raw = validate_mapping(text, file)
    return _build(file, raw)


def _build(file: str, data: dict[str, Any]) -> Mapping:
    """The Mapping of a validated mapping document."""
    fields: dict[str, Any] = data["fields"]
    level = str(data.get("level", "message"))
    timezone: tzinfo | None = None
    zone = fields.get("timezone")
    if isinstance(zone, str):
        timezone = UTC if zone.upper() in ("UTC", "Z") else ZoneInfo(zone)
    return Mapping(
        file=file,
        format=data.get("format"),
        level=level,
        grouped=str(data.get("grouped", "any")),
        delimiter=str(data.get("delimiter", ",")),
        columns={key: _columns(fields[key]) for key in COLUMN_FIELDS if key in fields},
        attributes=_attributes(fields.get("attributes")),
        time_format=str(fields.get("time_format", "iso8601")),
        timezone=timezone,
        tag_separator=str(fields.get("tag_separator", ",")),
        roles=_value_map(data.get("roles"), ROLES),
        types=_value_map(data.get("types"), TYPES, identity=False),
        statuses=_value_map(data.get("statuses"), STATUSES),
        defaults={key: as_text(value) for key, value in (data.get("defaults") or {}).items()},
    )


def _columns(value: Any) -> tuple[str, ...]:
    return tuple(value) if isinstance(value, list) else (value,)


def _attributes(value: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if value is None:
        return ()
    if isinstance(value, list):
        return tuple((column, (column,)) for column in value)
    return tuple((str(name), _columns(columns)) for name, columns in value.items())


def _value_map(table: Any, names: Sequence[str], identity: bool = True) -> dict[str, str]:
    """Map a column's values (lower-cased text) to names; by default each name to itself."""
    if table is None:
        return {name: name for name in names} if identity else {}
    result: dict[str, str] = {}
    for name, values in table.items():
        for item in values if isinstance(values, list) else [values]:
            if item is not None:
                result[as_text(item).lower()] = name
    return result


# ---------------------------------------------------------------------------------------------
# Reading rows


def as_text(value: Any) -> str:
    """A cell or JSON value as text: JSON booleans as true/false, None as empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _lookup(row: dict[str, Any], column: str) -> Any:
    if column in row:
        return row[column]
    current: Any = row
    for part in column.split("."):
        if isinstance(current, dict) and part in current:
            current = current[part]
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return None
    return current


@dataclass
class _Row:
    """One input row: where it starts, and its cells by column name."""

    file: str
    line: int
    cells: dict[str, Any]

    def get(self, candidates: tuple[str, ...]) -> str:
        for column in candidates:
            text = as_text(_lookup(self.cells, column)).strip()
            if text:
                return text
        return ""

    def scalar(self, candidates: tuple[str, ...]) -> str | int | float | bool | None:
        """The first non-empty value, JSON numbers and booleans kept as they are."""
        for column in candidates:
            value = _lookup(self.cells, column)
            if isinstance(value, bool | int | float):
                return value
            text = as_text(value).strip()
            if text:
                return text
        return None

    def raw(self, candidates: tuple[str, ...]) -> str:
        """Like get, but keeps the text exactly (message bodies)."""
        for column in candidates:
            text = as_text(_lookup(self.cells, column))
            if text.strip():
                return text
        return ""


def _column_label(candidates: tuple[str, ...]) -> str:
    return " or ".join(candidates)


MAX_ROW_LINES = 1_000
"""The most physical lines one CSV row may span (a long e-mail with its quoted history is a few
hundred): past that, a quote is taken to be one that never closes."""
MAX_BROKEN_ROWS = 1_000
"""Rows whose quote never closes before a file is taken not to be CSV of this shape at all
(each costs reading up to MAX_ROW_LINES lines again)."""


class _CsvLines:
    """The physical lines fed to the csv reader, numbered, with a way to go back.

    A row whose quote never closes (or whose field grows past the limit) would swallow every
    line after it. The lines of the row being read are kept (at most `MAX_ROW_LINES`, each at
    most MAX_LINE_BYTES), so that reading can start again at the line after the row's first.
    """

    def __init__(self, lines: Iterator[Line]) -> None:
        self._lines = lines
        self._replay: list[Line] = []
        self.row: list[Line] = []
        """The lines of the row being read."""
        self.problems: dict[int, str] = {}

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        line = self._replay.pop() if self._replay else next(self._lines)
        if line.problem:
            self.problems[line.number] = line.problem
        self.row.append(line)
        if len(self.row) > MAX_ROW_LINES:
            raise csv.Error(f"a row longer than {MAX_ROW_LINES:,} lines")
        return line.text

    def start_row(self) -> None:
        self.row = []

    def resume_after_first(self) -> None:
        """Read again from the line after the current row's first (its quote did not close)."""
        self._replay.extend(reversed(self.row[1:]))
        for line in self.row[1:]:
            self.problems.pop(line.number, None)
        self.row = []


def _csv_rows(path: str, mapping: Mapping) -> Iterator[_Row | Rejected]:
    # A message body may be long (an e-mail with its quoted history): allow fields as long as
    # the longest line we accept, rather than the csv module's default of 128 KiB.
    csv.field_size_limit(max(csv.field_size_limit(), MAX_LINE_BYTES))
    with open_input(path) as (name, stream):
        lines = _CsvLines(read_lines(name, stream))

        def reader() -> Iterator[list[str]]:
            return csv.reader(lines, delimiter=mapping.delimiter, strict=True)

        rows = reader()
        header: list[str] | None = None
        index: dict[str, int] = {}
        broken = 0
        while True:
            lines.start_row()
            try:
                cells = next(rows)
            except StopIteration:
                break
            except csv.Error as exc:
                first_line = lines.row[0].number if lines.row else 0
                if header is None:
                    raise ImportFault(f"{name}: the header row is not valid CSV ({exc})") from None
                yield Rejected(name, first_line, _broken_row(exc, lines.row))
                broken += 1
                if broken > MAX_BROKEN_ROWS:
                    raise ImportFault(
                        f"{name}:{first_line}: over {MAX_BROKEN_ROWS:,} rows whose quotes do not "
                        "close; stopped (is the delimiter or the format right?)"
                    ) from None
                if len(lines.row) > 1:
                    lines.resume_after_first()
                rows = reader()  # a fresh reader: outside any quote again
                continue
            first_line = lines.row[0].number
            bad = [
                lines.problems.pop(line.number)
                for line in lines.row
                if line.number in lines.problems
            ]
            if header is None:
                if bad:
                    raise ImportFault(f"{name}: the header line is {bad[0]}")
                if not cells or not any(c.strip() for c in cells):
                    continue
                header = [c.strip() for c in cells]
                for position, column in enumerate(header):
                    index.setdefault(column, position)
                _check_header(name, header, mapping)
                continue
            if bad:
                yield Rejected(name, first_line, bad[0])
                continue
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                continue
            if len(cells) != len(header):
                yield Rejected(
                    name, first_line, f"row has {len(cells)} fields, the header has {len(header)}"
                )
                continue
            yield _Row(name, first_line, {column: cells[i] for column, i in index.items()})
        if header is None:
            raise ImportFault(f"{name}: empty file (no header row)")


def _broken_row(exc: csv.Error, row: list[Line]) -> str:
    """Why a CSV row could not be read, and which lines it took with it."""
    if len(row) <= 1:
        return f"not a valid CSV row ({exc})"
    last = row[-1].number
    return (
        f"not a valid CSV row ({exc}): a quoted field opened here does not close by line "
        f"{last:,}; reading went on from the next line"
    )


def _check_header(name: str, header: list[str], mapping: Mapping) -> None:
    for field_name, candidates in mapping.column_names():
        if not any(column in header for column in candidates):
            wanted = candidates[0]
            shown = [_clip(column, 40) for column in header[:30]]
            if len(header) > len(shown):
                shown.append(f"… ({len(header)} columns)")
            raise ImportFault(
                f"{name}: no column {_column_label(candidates)} (fields.{field_name} in "
                f"{mapping.file}){did_you_mean(wanted, header)}; the header has: "
                f"{', '.join(shown)}"
            )


def _jsonl_rows(path: str) -> Iterator[_Row | Rejected]:
    with open_input(path) as (name, stream):
        for line in read_lines(name, stream):
            if line.problem:
                yield Rejected(name, line.number, line.problem)
                continue
            if not line.text.strip():
                continue
            try:
                value = json.loads(line.text)
            except json.JSONDecodeError as exc:
                yield Rejected(name, line.number, f"not valid JSON ({exc.msg})")
                continue
            except RecursionError:
                yield Rejected(name, line.number, "JSON nested too deeply")
                continue
            if not isinstance(value, dict):
                yield Rejected(name, line.number, "not a JSON object")
                continue
            yield _Row(name, line.number, value)


# ---------------------------------------------------------------------------------------------
# Rows to records


class _BadRow(Exception):
    """Why one row cannot be used."""


def _parse_time(row: _Row, candidates: tuple[str, ...], mapping: Mapping) -> datetime | None:
    text = row.get(candidates)
    if not text:
        return None
    try:
        if mapping.time_format == "iso8601":
            value = datetime.fromisoformat(text)
        elif mapping.time_format in ("epoch", "epoch_ms"):
            number = float(text)
            if number != number:  # NaN
                raise ValueError
            value = from_epoch_ms(number * 1000 if mapping.time_format == "epoch" else number)
        else:
            value = datetime.strptime(text, mapping.time_format)
        if value.tzinfo is None and mapping.timezone is not None:
            value = value.replace(tzinfo=mapping.timezone)
        format_time(value)
    except (ValueError, OverflowError):
        raise _BadRow(
            f"bad timestamp '{_clip(text)}' in column {_column_label(candidates)}"
        ) from None
    return value


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _lookup_name(
    row: _Row, mapping: Mapping, key: str, table: dict[str, str], what: str
) -> str | None:
    candidates = mapping.columns.get(key)
    if candidates is None:
        return None
    value = row.get(candidates)
    if not value:
        return None
    name = table.get(value.lower())
    if name is None:
        known = ", ".join(dict.fromkeys(table)) or "none"
        raise _BadRow(f"unknown {what} '{_clip(value)}' (known: {known})")
    return name


def _score(row: _Row, mapping: Mapping, key: str, low: int, high: int) -> int | None:
    candidates = mapping.columns.get(key)
    if candidates is None:
        return None
    value = row.get(candidates)
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if not number.is_integer() or not low <= number <= high:
        raise _BadRow(
            f"bad {key} '{_clip(value)}' in column {_column_label(candidates)} "
            f"(expected a whole number {low}..{high})"
        )
    return int(number)


@dataclass
class _Details:
    """The interaction-level fields of a row (each None when the row has no value)."""

    scalars: dict[str, str] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    attributes: dict[str, str | int | float | bool] = field(default_factory=dict)
    status: str | None = None
    csat: int | None = None
    nps: int | None = None


def _details(row: _Row, mapping: Mapping) -> _Details:
    details = _Details()
    for key in DEFAULT_KEYS:
        candidates = mapping.columns.get(key)
        value = row.get(candidates) if candidates else ""
        if value:
            details.scalars[key] = value
    if "tags" in mapping.columns:
        text = row.get(mapping.columns["tags"])
        details.tags = [t.strip() for t in text.split(mapping.tag_separator) if t.strip()]
    for name, candidates in mapping.attributes:
        attribute = row.scalar(candidates)
        if attribute is not None:
            details.attributes[name] = attribute
    details.status = _lookup_name(row, mapping, "status", mapping.statuses, "status")
    details.csat = _score(row, mapping, "csat", 1, 5)
    details.nps = _score(row, mapping, "nps", 0, 10)
    return details


def _finish(record: dict[str, Any], mapping: Mapping, details: _Details) -> None:
    """Add the interaction-level fields, defaults filled in, in the record's key order."""
    for key in ("channel", "agent", "team", "customer", "case"):
        value = details.scalars.get(key) or mapping.defaults.get(key)
        if value:
            record[key] = value
    if details.tags:
        record["tags"] = list(dict.fromkeys(details.tags))
    if details.attributes:
        record["attributes"] = details.attributes


def _tail(record: dict[str, Any], details: _Details) -> None:
    survey = {k: v for k, v in (("csat", details.csat), ("nps", details.nps)) if v is not None}
    if survey:
        record["survey"] = survey
    if details.status:
        record["resolution"] = {"status": details.status}


@dataclass
class _Conversation:
    """The rows of one conversation gathered so far."""

    id: str
    file: str
    line: int
    messages: list[tuple[datetime, int, str, dict[str, Any]]] = field(default_factory=list)
    details: _Details = field(default_factory=_Details)

    def add(self, when: datetime, role: str, event: dict[str, Any], details: _Details) -> None:
        self.messages.append((when, len(self.messages), role, event))
        merged = self.details
        for key, value in details.scalars.items():
            if key == "agent" and role != "agent":
                continue
            if key == "customer" and role != "customer":
                continue
            merged.scalars.setdefault(key, value)
        merged.tags.extend(details.tags)
        for name, attribute in details.attributes.items():
            merged.attributes.setdefault(name, attribute)
        merged.status = details.status or merged.status
        merged.csat = merged.csat if merged.csat is not None else details.csat
        merged.nps = merged.nps if merged.nps is not None else details.nps

    def record(self, mapping: Mapping) -> dict[str, Any]:
        self.messages.sort(key=lambda m: (sort_key(m[0]), m[1]))
        record: dict[str, Any] = {"id": self.id}
        _finish(record, mapping, self.details)
        customer_times = [when for when, _, role, _ in self.messages if role == "customer"]
        if customer_times:
            record["started_at"] = format_time(customer_times[0])
        record["ended_at"] = format_time(self.messages[-1][0])
        record["events"] = [event for *_, event in self.messages]
        _tail(record, self.details)
        return record


def read_csv(
    paths: Sequence[str], mapping: Mapping | None = None, tally: Tally | None = None
) -> Iterator[ImportItem]:
    """Records from CSV exports read through a mapping."""
    checked = require_mapping(mapping, "csv")
    rows = (row for path in paths for row in _csv_rows(path, checked))
    counts = tally if tally is not None else Tally()
    return _records(_counted_rows(rows, counts), checked, counts)


def read_jsonl(
    paths: Sequence[str], mapping: Mapping | None = None, tally: Tally | None = None
) -> Iterator[ImportItem]:
    """Records from JSON Lines exports read through a mapping."""
    checked = require_mapping(mapping, "jsonl")
    rows = (row for path in paths for row in _jsonl_rows(path))
    counts = tally if tally is not None else Tally()
    return _records(_counted_rows(rows, counts), checked, counts)


def _counted_rows(rows: Iterable[_Row | Rejected], tally: Tally) -> Iterator[_Row | Rejected]:
    """Rows as they are read, counted; a row rejected later is counted where it is rejected."""
    tally.unit = "rows"
    for row in rows:
        tally.read += 1
        yield row


def require_mapping(mapping: Mapping | None, fmt: str) -> Mapping:
    """The mapping, checked to be given and to be for `fmt`; else the fault that says why."""
    if mapping is None:
        raise ImportFault(
            f"format '{fmt}' needs a mapping file (--mapping MAP.yaml, or a bundled mapping: "
            f"{', '.join(bundled_mappings()) or 'none'})"
        )
    if mapping.format is not None and mapping.format != fmt:
        raise ImportFault(
            f"{mapping.file}: the mapping is for format '{mapping.format}', not '{fmt}'"
        )
    return mapping


def _records(
    rows: Iterable[_Row | Rejected], mapping: Mapping, tally: Tally | None = None
) -> Iterator[ImportItem]:
    items = (
        _interactions(rows, mapping) if mapping.level == "interaction" else _messages(rows, mapping)
    )
    for item in items:
        if isinstance(item, Rejected) and tally is not None:
            tally.rejected += 1
        yield item


def _interactions(rows: Iterable[_Row | Rejected], mapping: Mapping) -> Iterator[ImportItem]:
    ids = IdRegistry()
    for row in rows:
        if isinstance(row, Rejected):
            yield row
            continue
        try:
            record = _interaction(row, mapping)
        except _BadRow as why:
            yield Rejected(row.file, row.line, str(why))
            continue
        repeated = ids.claim(record["id"], row.file, row.line)
        yield Rejected(row.file, row.line, repeated) if repeated else record


def _interaction(row: _Row, mapping: Mapping) -> dict[str, Any]:
    record_id = _conversation_id(row, mapping)
    details = _details(row, mapping)
    record: dict[str, Any] = {"id": record_id}
    _finish(record, mapping, details)
    for key in INTERACTION_ONLY:
        if key in mapping.columns:
            when = _parse_time(row, mapping.columns[key], mapping)
            if when is not None:
                record[key] = format_time(when)
    _tail(record, details)
    return record


def _conversation_id(row: _Row, mapping: Mapping) -> str:
    candidates = mapping.columns["id"]
    value = row.get(candidates)
    if not value:
        raise _BadRow(f"missing conversation id in column {_column_label(candidates)}")
    return value


def _message(row: _Row, mapping: Mapping) -> tuple[str, datetime, str, dict[str, Any], _Details]:
    """A message row as (conversation id, time, role, event, details); raises _BadRow."""
    conversation_id = _conversation_id(row, mapping)
    sender_columns = mapping.columns["sender"]
    sender = row.get(sender_columns)
    if not sender:
        raise _BadRow(f"missing sender in column {_column_label(sender_columns)}")
    role = mapping.roles.get(sender.lower())
    if role is None:
        known = ", ".join(mapping.roles)
        raise _BadRow(f"unknown sender role '{_clip(sender)}' (known: {known})")
    when = _parse_time(row, mapping.columns["at"], mapping)
    if when is None:
        raise _BadRow(f"missing timestamp in column {_column_label(mapping.columns['at'])}")
    event: dict[str, Any] = {"at": format_time(when), "from": role}
    kind = "message"
    if "type" in mapping.columns:
        kind = mapping.types.get(row.get(mapping.columns["type"]).lower(), "message")
    if kind != "message":
        event["type"] = kind
    if "text" in mapping.columns:
        text = row.raw(mapping.columns["text"])
        if text:
            event["text"] = text
    return conversation_id, when, role, event, _details(row, mapping)


def _messages(rows: Iterable[_Row | Rejected], mapping: Mapping) -> Iterator[ImportItem]:
    open_conversations: dict[str, _Conversation] = {}
    ended: dict[str, tuple[str, int]] = {}
    contiguous = mapping.grouped == "contiguous"
    for row in rows:
        if isinstance(row, Rejected):
            yield row
            continue
        try:
            conversation_id, when, role, event, details = _message(row, mapping)
        except _BadRow as why:
            yield Rejected(row.file, row.line, str(why))
            continue
        if contiguous and conversation_id not in open_conversations:
            if conversation_id in ended:
                file, line = ended[conversation_id]
                yield Rejected(
                    row.file,
                    row.line,
                    f"conversation '{conversation_id}' already ended (it started at "
                    f"{file}:{line}); its rows are not together (use grouped: any)",
                )
                continue
            for finished in open_conversations.values():
                ended[finished.id] = (finished.file, finished.line)
                yield finished.record(mapping)
            open_conversations.clear()
        conversation = open_conversations.get(conversation_id)
        if conversation is None:
            conversation = _Conversation(conversation_id, row.file, row.line)
            open_conversations[conversation_id] = conversation
        conversation.add(when, role, event, details)
    for conversation in open_conversations.values():
        yield conversation.record(mapping)
