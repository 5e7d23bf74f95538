"""The mapping file of the `csv` and `jsonl` formats as a pydantic model, checked like a rule set.

A mapping file is loaded with the same position-tracking YAML loader as rule sets, validated
against `MappingFile`, then checked for what a schema cannot say (the fields each `level`
needs, a value given for two roles). Every problem is reported at once, each as
`FILE:LINE:COL: path: message`, with the nearest valid key or value when one is close.
`mapping_schema()` is the JSON Schema editors use to complete and check mapping files
(`cs-score import schema`).
"""

from __future__ import annotations

import difflib
import json
import re
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    StringConstraints,
    ValidationError,
    field_validator,
)

from cs_score.errors import Location, Problem, RuleSetError
from cs_score.importers._common import ImportFault
from cs_score.yamlsource import LocDict, LocList, load_yaml

TIME_FORMATS = ("iso8601", "epoch", "epoch_ms")
MESSAGE_ONLY = ("at", "sender", "text", "type")
INTERACTION_ONLY = ("started_at", "answered_at", "ended_at")
REQUIRED = {"message": ("id", "at", "sender"), "interaction": ("id",)}

ColumnName = Annotated[str, StringConstraints(min_length=1)]


def _columns(value: Any) -> str | list[str]:
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(item, str) and item for item in items):
        raise ValueError("expected a column name, or a list of column names")
    return value  # type: ignore[no-any-return]


Columns = Annotated[
    str | list[str], PlainValidator(_columns, json_schema_input_type=ColumnName | list[ColumnName])
]
"""A column (CSV header name, or JSON key or dotted path), or a list tried in order."""
Scalar = str | int | float | bool
Values = Scalar | list[Scalar]
"""A value of a column, or a list of values (compared as lower-cased text)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MappingFields(_Strict):
    """Which column holds each record field, and how its values are read."""

    id: Columns | None = Field(None, description="The conversation (ticket, chat, call) id.")
    at: Columns | None = Field(None, description="Message level: when the message was sent.")
    sender: Columns | None = Field(
        None, description="Message level: who wrote it; its values are mapped by `roles`."
    )
    text: Columns | None = Field(None, description="Message level: the message text.")
    type: Columns | None = Field(
        None, description="Message level: a column whose values are mapped by `types`."
    )
    channel: Columns | None = None
    agent: Columns | None = None
    customer: Columns | None = None
    team: Columns | None = None
    case: Columns | None = None
    tags: Columns | None = Field(None, description="A delimited list of tags.")
    status: Columns | None = Field(None, description="Mapped by `statuses`.")
    csat: Columns | None = Field(None, description="survey.csat, 1..5.")
    nps: Columns | None = Field(None, description="survey.nps, 0..10.")
    started_at: Columns | None = Field(None, description="Interaction level only.")
    answered_at: Columns | None = Field(None, description="Interaction level only.")
    ended_at: Columns | None = Field(None, description="Interaction level only.")
    time_format: str = Field(
        "iso8601",
        description="iso8601, epoch, epoch_ms, or a strptime format such as '%d/%m/%Y %H:%M'.",
    )
    timezone: str | None = Field(
        None, description="Zone of times written without an offset, e.g. Europe/Paris."
    )
    tag_separator: ColumnName = ","
    attributes: list[ColumnName] | dict[str, Columns] | None = Field(
        None, description="Columns kept as attributes; or {name: column} to rename."
    )

    @field_validator("time_format")
    @classmethod
    def _known_time_format(cls, value: str) -> str:
        if value in TIME_FORMATS or "%" in value:
            return value
        close = difflib.get_close_matches(value, TIME_FORMATS, n=1, cutoff=0.6)
        hint = f"; did you mean `{close[0]}`?" if close else ""
        raise ValueError(
            f"expected {', '.join(TIME_FORMATS)} or a strptime format such as "
            f"'%d/%m/%Y %H:%M', got {value!r}{hint}"
        )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is None or value.upper() in ("UTC", "Z"):
            return value
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise ValueError(
                f"unknown time zone {value!r} (expected a name such as Europe/Paris or UTC)"
            ) from None
        return value


class RoleValues(_Strict):
    """Sender values (case-insensitive) for each role."""

    customer: Values | None = None
    agent: Values | None = None
    bot: Values | None = None
    system: Values | None = None


class TypeValues(_Strict):
    """Values of the `type` column for each event type; any other value is a message."""

    message: Values | None = None
    note: Values | None = None
    action: Values | None = None


class StatusValues(_Strict):
    """Values of the `status` column for each resolution status."""

    resolved: Values | None = None
    unresolved: Values | None = None
    escalated: Values | None = None
    pending: Values | None = None


class Defaults(_Strict):
    """Values for a record field when a row has none."""

    channel: Scalar | None = None
    agent: Scalar | None = None
    customer: Scalar | None = None
    team: Scalar | None = None
    case: Scalar | None = None


class MappingFile(_Strict):
    """A mapping file: how the `csv` and `jsonl` formats read a help-desk export."""

    model_config = ConfigDict(extra="forbid", title="cs-score mapping file")

    name: str | None = Field(None, description="Free text for people.")
    description: str | None = Field(None, description="Free text for people.")
    format: Literal["csv", "jsonl"] | None = Field(
        None, description="When given, it must match the FORMAT argument."
    )
    level: Literal["message", "interaction"] = Field(
        "message",
        description="message: one row per message; interaction: one row per interaction.",
    )
    grouped: Literal["any", "contiguous"] = Field(
        "any", description="contiguous: the rows of a conversation are next to each other."
    )
    delimiter: str = Field(",", description="CSV only: one character.")
    fields: MappingFields
    roles: RoleValues | None = None
    types: TypeValues | None = None
    statuses: StatusValues | None = None
    defaults: Defaults | None = None

    @field_validator("delimiter")
    @classmethod
    def _one_character(cls, value: str) -> str:
        if len(value) != 1 or value in '"\r\n':
            raise ValueError("expected one character, such as ',' or ';'")
        return value


class MappingError(ImportFault):
    """A mapping file that cannot be used; carries every problem found, one per line."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


def mapping_schema() -> dict[str, Any]:
    """The JSON Schema of mapping files."""
    schema = MappingFile.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def mapping_schema_text() -> str:
    return json.dumps(mapping_schema(), indent=2, ensure_ascii=False) + "\n"


def validate_mapping(text: str, file: str) -> tuple[MappingFile, LocDict]:
    """The validated model and the raw document of a mapping's YAML text; every problem at
    once is a MappingError."""
    try:
        raw = load_yaml(text, file)
    except RuleSetError as exc:
        raise MappingError(exc.problems) from None
    if not isinstance(raw, LocDict):
        where = getattr(raw, "loc", None) or Location(file, 1, 1)
        raise MappingError(
            [Problem(where, "", "a mapping file is a YAML mapping with a 'fields' key")]
        )
    from cs_score.ruleset import _describe

    problems: list[Problem] = []
    model: MappingFile | None = None
    try:
        model = MappingFile.model_validate(raw)
    except ValidationError as exc:
        for error in exc.errors():
            problems.append(_with_hint(_describe(error, raw, MappingFile), error))
    problems.extend(_semantic_problems(raw))
    problems = _without_echoes(problems)
    if problems or model is None:
        problems.sort(key=_position)
        raise MappingError(problems)
    return model, raw


_SUGGESTED = re.compile(r"^unknown key `[^`]*`; did you mean `([^`]*)`\?$")
_MISSING = re.compile(r"^missing (?:required key )?`([^`]*)`")


def _without_echoes(problems: list[Problem]) -> list[Problem]:
    """Drop "missing `sender`" when the same table has an unknown key that looks like it
    (`sendr`, did you mean `sender`?): it is one mistake, reported once, where it was made."""
    misspelt: set[tuple[str, str]] = set()
    for problem in problems:
        found = _SUGGESTED.match(problem.message)
        if found:
            parent = problem.path.rpartition(".")[0]
            misspelt.add((parent, found.group(1)))
    kept = []
    for problem in problems:
        missing = _MISSING.match(problem.message)
        if missing and (problem.path, missing.group(1)) in misspelt:
            continue
        kept.append(problem)
    return kept


def _with_hint(problem: Problem, error: Any) -> Problem:
    """A literal value's problem with the nearest allowed value suggested."""
    if error.get("type") != "literal_error" or not isinstance(error.get("input"), str):
        return problem
    options = re.findall(r"'([^']*)'", str(error.get("ctx", {}).get("expected", "")))
    close = difflib.get_close_matches(error["input"], options, n=1, cutoff=0.6)
    if not close:
        return problem
    return Problem(problem.location, problem.path, f"{problem.message}; did you mean `{close[0]}`?")


def _semantic_problems(raw: LocDict) -> list[Problem]:
    """What the schema cannot say: the fields each level needs, a value given twice."""
    problems: list[Problem] = []
    fields = raw.get("fields")
    level = raw.get("level", "message")
    if "fields" not in raw:
        return problems  # reported by the schema as missing
    if isinstance(fields, LocDict) and level in REQUIRED:
        wrong = INTERACTION_ONLY if level == "message" else MESSAGE_ONLY
        for key in wrong:
            if key in fields:
                problems.append(
                    Problem(fields.where(key), f"fields.{key}", f"not used at level '{level}'")
                )
        for key in REQUIRED[level]:
            if key not in fields:
                problems.append(
                    Problem(
                        fields.loc,
                        "fields",
                        f"missing `{key}` (required at level '{level}')",
                    )
                )
    for table_key in ("roles", "types", "statuses"):
        table = raw.get(table_key)
        if not isinstance(table, LocDict):
            continue
        owner: dict[str, str] = {}
        for name, values in table.items():
            listed = values if isinstance(values, list) else [values]
            for index, value in enumerate(listed):
                if value is None or isinstance(value, dict | list):
                    continue
                text = _as_text(value).lower()
                first = owner.setdefault(text, name)
                if first != name:
                    where = (
                        values.where(index) if isinstance(values, LocList) else table.where(name)
                    )
                    problems.append(
                        Problem(
                            where,
                            f"{table_key}.{name}",
                            f"value {text!r} is already given for '{first}'",
                        )
                    )
    return problems


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _position(problem: Problem) -> tuple[int, str, int, int]:
    where = problem.location
    return (0, where.file, where.line, where.column) if where else (1, "", 0, 0)
