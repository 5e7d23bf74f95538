"""The rule set: its model, `extends` and `overrides`, phrase packs, and loading from YAML.

A rules file is read with the position of every value kept (`yamlsource`), merged with what it
extends, then validated by pydantic models that forbid unknown keys. Every problem found is
reported at once, each with `FILE:LINE:COL`, the dotted path, what was expected and, for a
misspelt key or kind, the nearest valid one.
"""

from __future__ import annotations

import difflib
import os
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import tzinfo
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from cs_score import checks
from cs_score.calendars import Calendar, CalendarSpec, build_calendars
from cs_score.checks.base import Compiled, PlannedRule, inline_key
from cs_score.checks.params.base import Condition, RuleBase
from cs_score.errors import Location, Problem, RuleSetError
from cs_score.grading import LOWEST_GRADE, Grading
from cs_score.phrases import (
    CANCEL_KEY,
    PhraseBook,
    PhraseIndex,
    bundled_packs,
    phrase_problem,
)
from cs_score.textfile import UnreadableFile, read_text
from cs_score.yamlsource import LocDict, LocList, load_yaml

FORMAT_VERSION = 1
DEFAULT_GRADES = {"A": 90.0, "B": 80.0, "C": 70.0, "D": 60.0}

if TYPE_CHECKING:
    AnyRule = RuleBase
else:
    # A discriminated union built from the registry, so the registry is the one source of truth.
    AnyRule = Annotated[
        Union[tuple(module.Rule for module in checks.KINDS.values())],  # noqa: UP007
        Field(discriminator="kind"),
    ]
_rule_adapter: TypeAdapter[RuleBase] = TypeAdapter(AnyRule)


class Gate(BaseModel):
    """Conditions the whole run must meet; the command-line flags override them."""

    model_config = ConfigDict(extra="forbid")

    min_score: float | None = Field(None, ge=0, le=100, description="lowest mean score")
    min_grade: str | None = Field(None, description="lowest grade of the mean score")
    min_pass_rate: float | None = Field(
        None, ge=0, le=100, description="lowest share of rated interactions that pass (0-100)"
    )
    max_rejected: int = Field(0, ge=0, description="most lines that may be rejected")

    @field_validator("min_score", "min_pass_rate")
    @classmethod
    def _not_a_fraction(cls, value: float | None) -> float | None:
        return not_a_fraction(value)


def not_a_fraction(value: float | None) -> float | None:
    """A percentage (0-100) as given; ValueError with the fix for a fraction (0.7 for 70)."""
    if value is not None and 0 < value < 1:
        raise ValueError(
            f"{value:g} looks like a fraction; this is a percentage (0-100): write {value * 100:g}"
        )
    return value


class PhrasePack(BaseModel):
    """Phrases of one pack by language (`en: [...]`); `replace: true` drops the bundled ones.

    A phrase is literal text matched on word boundaries, with `{a|b}` for alternatives, `[a]`
    for optional words, `…` (or `...`) for a gap of up to four words, and `(opening)`,
    `(closing)`, `(question)` or `(statement)` before it for where it must stand."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "additionalProperties": {
                "type": "array",
                "items": {"type": "string"},
                "description": (
                    "phrases of one language (ISO 639-1 code, e.g. `en`, `fr`): literal words, "
                    "`{a|b}` alternatives, `[a]` optional words, `…` a gap of up to four "
                    "words; `(opening)`, `(closing)`, `(question)` or `(statement)` first to "
                    "say where the phrase must stand"
                ),
            }
        },
    )
    __pydantic_extra__: dict[str, list[str]] = Field(init=False)

    replace: bool = Field(False, description="drop the bundled phrases of this pack first")
    definition: str | None = Field(
        None, description="what the pack detects: what counts and what does not (documentation)"
    )
    unless: list[str] = Field(
        default_factory=list,
        description=(
            "cancel words, in any language: a match of the pack does not count in a sentence "
            "that has one of them (`stupid` about an `app` is not an insult)"
        ),
    )

    @model_validator(mode="after")
    def _phrases_follow_the_phrase_language(self) -> PhrasePack:
        for key, items in [*(self.__pydantic_extra__ or {}).items(), (CANCEL_KEY, self.unless)]:
            for phrase in items:
                problem = phrase_problem(phrase)
                if problem is not None and problem != "no words":
                    raise ValueError(f"{key}: phrase {phrase!r}: {problem}")
        return self


class Override(BaseModel):
    """An exception: where `when` holds, change the named rules' keys."""

    model_config = ConfigDict(extra="forbid")

    when: Condition = Field(description="where the exception applies")
    rules: dict[str, dict[str, Any]] = Field(
        description="rule id → keys to change, e.g. {conduct: {enabled: false}}"
    )
    description: str | None = Field(None, description="why the exception exists")


class RuleSetModel(BaseModel):
    """A rules file (after `extends` is resolved)."""

    model_config = ConfigDict(extra="forbid")

    cs_score: Literal[1] = Field(1, description="format version of the rules file")
    name: str = Field("unnamed rule set", description="shown in reports")
    description: str | None = Field(None, description="what the standard is, in a sentence or two")
    extends: str | None = Field(
        None, description="a bundled rule set (default, …) or a path relative to this file"
    )
    timezone: str = Field("UTC", description="zone for timestamps without an offset")
    grades: dict[str, float] = Field(
        default_factory=lambda: dict(DEFAULT_GRADES),
        description="grade → lowest score that earns it; below the lowest: F",
    )
    pass_score: float = Field(70.0, ge=0, le=100, description="score an interaction needs to pass")
    gate: Gate = Field(default_factory=Gate, description="what the whole run must meet (below)")
    phrases: dict[str, PhrasePack] = Field(
        default_factory=dict, description="named phrase packs to add to or define"
    )
    calendars: dict[str, CalendarSpec] = Field(
        default_factory=dict,
        description="named business hours (weekly hours, closed dates) for `calendar:` on rules",
    )
    rules: list[AnyRule] = Field(
        default_factory=list,
        description="the rules: keys every rule has, and the keys of its kind (below)",
    )
    overrides: list[Override] = Field(
        default_factory=list, description="exceptions: change rules where a condition holds"
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r} (use an IANA name like Europe/Paris)"
            ) from None
        return value

    @field_validator("pass_score")
    @classmethod
    def _pass_score_not_a_fraction(cls, value: float) -> float:
        checked = not_a_fraction(value)
        assert checked is not None
        return checked

    @field_validator("grades")
    @classmethod
    def _grade_bounds(cls, value: dict[str, float]) -> dict[str, float]:
        for grade, bound in value.items():
            if not 0 <= bound <= 100:
                raise ValueError(f"grade {grade}: bound {bound} is not within 0-100")
        if LOWEST_GRADE in value:
            raise ValueError(f"{LOWEST_GRADE} is the grade below the lowest band; do not list it")
        return value


# ---------------------------------------------------------------------------------------------
# Loading: presets, extends, merging


def preset_names() -> list[str]:
    folder = resources.files("cs_score.presets")
    return sorted(
        p.name.removesuffix(".yaml")
        for p in folder.iterdir()
        if p.name.endswith(".yaml") and p.name != "phrases.yaml"
    )


def _is_preset_name(reference: str) -> bool:
    return (
        "/" not in reference and "\\" not in reference and not reference.endswith((".yaml", ".yml"))
    )


@dataclass
class _Loaded:
    raw: LocDict
    sources: list[str]
    problems: list[Problem] = field(default_factory=list)
    """Problems met while following `extends`; the file's own content is still validated."""


MAX_RULES_FILE_BYTES = 2 << 20
"""The largest rules file read (2 MiB: a rule set with thousands of phrases is under 200 KiB)."""

EXTENDS_PATH_VARIABLE = "CS_SCORE_EXTENDS_PATH"
"""Folders (separated like PATH) that `extends` may reach besides the rule set's own folder."""


def extends_roots(top: Path | None, extra: str | None) -> tuple[Path, ...]:
    """The folders a path in `extends` may lead into: the top rules file's folder, and those
    named in CS_SCORE_EXTENDS_PATH."""
    roots = [Path(os.path.realpath(top.parent))] if top is not None else []
    for folder in (extra or "").split(os.pathsep):
        if folder:
            roots.append(Path(os.path.realpath(folder)))
    return tuple(roots)


def _inside(path: Path, roots: tuple[Path, ...]) -> bool:
    real = Path(os.path.realpath(path))
    return any(real == root or root in real.parents for root in roots)


def _read(
    reference: str,
    base_dir: Path | None,
    chain: list[tuple[str, str]],
    at: Location | None,
    roots: tuple[Path, ...] = (),
) -> _Loaded:
    """Read a rules file and, recursively, what it extends; `chain` holds (key, name) so far.

    A path in `extends` must stay inside `roots` (see `extends_roots`), so that a rule set
    cannot make the tool read, and print in its errors, any other file of the machine.
    """
    candidate = (base_dir / reference) if base_dir is not None else Path(reference)
    if _is_preset_name(reference) and not candidate.is_file():
        names = preset_names()
        if reference not in names:
            close = difflib.get_close_matches(reference, names, n=1)
            hint = f"; did you mean `{close[0]}`?" if close else ""
            raise RuleSetError(
                [
                    Problem(
                        at,
                        "extends" if at else "",
                        f"no bundled rule set named {reference!r} "
                        f"(bundled: {', '.join(names)}){hint}",
                    )
                ]
            )
        name = f"<preset {reference}>"
        text = resources.files("cs_score.presets").joinpath(f"{reference}.yaml").read_text("utf-8")
        here: Path | None = None
    else:
        path = candidate
        name = str(path)
        if at is not None and not _inside(path, roots):
            where = ", ".join(str(root) for root in roots) or "no folder (a bundled rule set)"
            raise RuleSetError(
                [
                    Problem(
                        at,
                        "extends",
                        f"{reference}: outside the folders `extends` may reach ({where}); "
                        f"name a bundled rule set, a file under the rule set's folder, or add "
                        f"a folder to {EXTENDS_PATH_VARIABLE}",
                    )
                ]
            )
        try:
            text = read_text(path, MAX_RULES_FILE_BYTES, "rules file")
        except UnreadableFile as exc:
            raise RuleSetError([Problem(at, "extends" if at else "", f"{name}: {exc}")]) from None
        here = path.parent
        if at is None:
            roots = extends_roots(path, os.environ.get(EXTENDS_PATH_VARIABLE))
    key = str(Path(name).resolve()) if here is not None else name
    keys = [k for k, _ in chain]
    if key in keys:
        names = [n for _, n in chain[keys.index(key) :]]
        cycle = " → ".join([*names, name])
        raise RuleSetError([Problem(at, "extends", f"`extends` forms a cycle: {cycle}")])
    raw = load_yaml(text, name)
    if raw is None:
        raw = LocDict(loc=Location(name, 1, 1))
    if not isinstance(raw, LocDict):
        raise RuleSetError(
            [Problem(Location(name, 1, 1), "", "a rules file must be a mapping of keys")]
        )
    if raw and not any(key in RuleSetModel.model_fields for key in raw):
        # Not a rule set at all: say so without quoting any of it (it may hold secrets).
        raise RuleSetError(
            [
                Problem(
                    Location(name, 1, 1),
                    "",
                    "not a rules file: none of its top-level keys is a rules-file key "
                    f"({', '.join(RuleSetModel.model_fields)})",
                )
            ]
        )
    parent_ref = raw.get("extends")
    if parent_ref is None:
        return _Loaded(raw, [name])
    if not isinstance(parent_ref, str):
        problem = Problem(
            raw.where("extends"),
            "extends",
            "expected the name of a bundled rule set or a path to a rules file",
        )
        return _Loaded(_without_extends(raw), [name], [problem])
    try:
        parent = _read(parent_ref, here, [*chain, (key, name)], raw.where("extends"), roots)
    except RuleSetError as exc:
        # Keep going with this file alone, so its own problems are reported in the same run.
        return _Loaded(_without_extends(raw), [name], exc.problems)
    return _Loaded(_merge(parent.raw, raw), [*parent.sources, name], parent.problems)


def _without_extends(raw: LocDict) -> LocDict:
    """A file's own content, when what it extends cannot be used."""
    return _copy_dict(raw, (key for key in raw if key != "extends"))


def _copy_dict(source: LocDict, keys: Iterator[str] | None = None) -> LocDict:
    result = LocDict(loc=source.loc)
    for key in keys if keys is not None else source:
        result[key] = source[key]
        result.key_locs[key] = source.where(key)
    return result


def _merge(parent: LocDict, child: LocDict) -> LocDict:
    """The child's keys over the parent's: rules merge by id, overrides add up, packs extend."""
    merged = _copy_dict(parent)
    for key, value in child.items():
        if key == "extends":
            continue
        old = merged.get(key)
        if key == "rules" and isinstance(old, LocList) and isinstance(value, LocList):
            merged[key] = _merge_rules(old, value)
        elif key == "overrides" and isinstance(old, LocList) and isinstance(value, LocList):
            combined = LocList(loc=value.loc)
            combined.extend([*old, *value])
            combined.item_locs = [*old.item_locs, *value.item_locs]
            merged[key] = combined
        elif (
            key in ("gate", "calendars") and isinstance(old, LocDict) and isinstance(value, LocDict)
        ):
            merged[key] = _overlay(old, value)
        elif key == "phrases" and isinstance(old, LocDict) and isinstance(value, LocDict):
            merged[key] = _merge_packs(old, value)
        else:
            merged[key] = value
        merged.key_locs[key] = child.where(key)
    merged.pop("extends", None)
    return merged


def _overlay(base: LocDict, top: LocDict) -> LocDict:
    result = _copy_dict(base)
    for key, value in top.items():
        result[key] = value
        result.key_locs[key] = top.where(key)
    result.loc = top.loc
    return result


def _merge_rules(parent: LocList, child: LocList) -> LocList:
    result = LocList(loc=child.loc)
    result.extend(parent)
    result.item_locs = list(parent.item_locs)
    by_id = {r.get("id"): i for i, r in enumerate(parent) if isinstance(r, LocDict)}
    for position, rule in enumerate(child):
        index = by_id.get(rule.get("id")) if isinstance(rule, LocDict) else None
        if index is None:
            result.append(rule)
            result.item_locs.append(child.where(position))
            continue
        old = result[index]
        same_kind = "kind" not in rule or rule.get("kind") == old.get("kind")
        result[index] = _overlay(old, rule) if same_kind else rule
        result.item_locs[index] = child.where(position)
    return result


def _merge_packs(parent: LocDict, child: LocDict) -> LocDict:
    result = _copy_dict(parent)
    for name, pack in child.items():
        old = result.get(name)
        if isinstance(pack, LocDict) and isinstance(old, LocDict) and not pack.get("replace"):
            combined = _copy_dict(old)
            for lang, items in pack.items():
                previous = combined.get(lang)
                if isinstance(previous, list) and isinstance(items, list):
                    joined = LocList(loc=items.loc if isinstance(items, LocList) else None)
                    joined.extend([*previous, *items])
                    joined.item_locs = [
                        *getattr(previous, "item_locs", [None] * len(previous)),
                        *getattr(items, "item_locs", [None] * len(items)),
                    ]
                    combined[lang] = joined
                else:
                    combined[lang] = items
                combined.key_locs[lang] = pack.where(lang)
            result[name] = combined
        else:
            result[name] = pack
        result.key_locs[name] = child.where(name)
    return result


# ---------------------------------------------------------------------------------------------
# Validation errors → FILE:LINE:COL, dotted path, did-you-mean


def _walk(raw: Any, loc: tuple[Any, ...]) -> tuple[Location | None, str, list[Any]]:
    """Follow a pydantic error path through the raw data: location, dotted path, steps taken."""
    where = getattr(raw, "loc", None)
    path = ""
    taken: list[Any] = []
    node = raw
    for part in loc:
        if isinstance(node, LocDict) and isinstance(part, str) and part in node:
            where = node.where(part) or where
            path = f"{path}.{part}" if path else part
            node = node[part]
            taken.append(part)
        elif isinstance(node, LocList) and isinstance(part, int) and 0 <= part < len(node):
            where = node.where(part) or where
            path = f"{path}[{_item_name(node[part], part)}]"
            node = node[part]
            taken.append(part)
        elif isinstance(node, LocDict) and isinstance(part, str) and part == "[key]":
            continue
        else:
            taken.append(("tag", part))
    return where, path, taken


def _item_name(item: Any, index: int) -> str | int:
    """A list item's name in a path: a rule's id when it has one, else its index."""
    if isinstance(item, dict) and isinstance(item.get("id"), str):
        return str(item["id"])
    return index


def _model_at(steps: list[Any], root: type[BaseModel] | None = None) -> type[BaseModel] | None:
    """The pydantic model that describes the value at a path (for the list of valid keys)."""
    current: Any = root or RuleSetModel
    for step in steps:
        if isinstance(step, tuple):
            kind = step[1]
            if kind in checks.KINDS:
                current = checks.KINDS[kind].Rule
            continue
        current = _inner(current, step)
        if current is None:
            return None
    current = _strip_optional(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _strip_optional(annotation: Any) -> Any:
    while True:
        origin = typing.get_origin(annotation)
        if origin is Annotated:
            annotation = typing.get_args(annotation)[0]
            continue
        if origin in (Union, types.UnionType):
            members = [a for a in typing.get_args(annotation) if a is not type(None)]
            models = [m for m in members if isinstance(m, type) and issubclass(m, BaseModel)]
            if len(models) == 1:
                return models[0]
            if len(members) == 1:
                annotation = members[0]
                continue
            return annotation
        return annotation


def _inner(current: Any, step: Any) -> Any:
    current = _strip_optional(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        info = current.model_fields.get(step) if isinstance(step, str) else None
        return info.annotation if info is not None else None
    origin = typing.get_origin(current)
    args = typing.get_args(current)
    if origin is list and args:
        return args[0]
    if origin is dict and len(args) == 2:
        return args[1]
    return None


def _describe(error: Any, raw: Any, root: type[BaseModel] | None = None) -> Problem:
    """One pydantic error as a Problem at its place in the YAML; `root` is the model that was
    validated (the rule set's by default; mapping files use it too)."""
    loc = tuple(error["loc"])
    kind = error["type"]
    if kind == "extra_forbidden":
        where, parent_path, taken = _walk(raw, loc[:-1])
        key = str(loc[-1])
        node = raw
        for step in taken:
            if not isinstance(step, tuple):
                node = node[step]
        if isinstance(node, LocDict):
            where = node.where(key) or where
        model = _model_at(taken, root)
        valid = sorted(model.model_fields) if model else []
        close = difflib.get_close_matches(key, valid, n=1, cutoff=0.6)
        path = f"{parent_path}.{key}" if parent_path else key
        message = f"unknown key `{key}`"
        if close:
            message += f"; did you mean `{close[0]}`?"
        elif valid:
            message += f" (valid keys: {', '.join(valid)})"
        return Problem(where, path, message)
    where, path, taken = _walk(raw, loc)
    if kind == "union_tag_invalid":
        node = raw
        for step in taken:
            if not isinstance(step, tuple):
                node = node[step]
        if isinstance(node, LocDict):
            where = node.where("kind") or where
        return Problem(
            where,
            f"{path}.kind" if path else "kind",
            checks.unknown_kind_message(
                error["input"].get("kind") if isinstance(error["input"], dict) else error["input"]
            ),
        )
    if kind == "union_tag_not_found":
        return Problem(where, path, f"missing `kind` (one of: {', '.join(checks.KINDS)})")
    if kind == "missing":
        return Problem(where, path, f"missing required key `{loc[-1]}`")
    message = error["msg"].removeprefix("Value error, ")
    value = error.get("input")
    if kind not in ("value_error",) and not isinstance(value, dict | list) and value is not None:
        message += f" (got {value!r})"
    return Problem(where, path, message)


# ---------------------------------------------------------------------------------------------
# The rule set in use


WHEN_UNMET = "condition `when` does not hold"
"""Why a rule is n/a for an interaction its `when` does not match."""


@dataclass
class RuleSet:
    """A loaded, validated rule set, ready to score interactions."""

    model: RuleSetModel
    sources: list[str]
    phrases: PhraseBook
    zone: tzinfo
    raw: LocDict | None = None
    calendars: dict[str, Calendar] = field(default_factory=dict)
    inline_packs: dict[tuple[str, str], str] = field(default_factory=dict)
    """Packs made of rules' inline phrases: `inline_key(rule id, phrases)` → pack name."""
    phrase_index: PhraseIndex = field(init=False, repr=False)
    _plans: dict[tuple[int, ...], tuple[list[PlannedRule], list[PlannedRule | None] | None]] = (
        field(default_factory=dict, repr=False)
    )
    grading: Grading = field(init=False, repr=False)
    fixed_plan: list[PlannedRule] | None = field(init=False, repr=False)
    """The plan of every interaction when no override and no `when` can change it (None:
    ask `plan`), so scoring need not ask for each interaction."""
    signals: frozenset[str] = field(init=False, repr=False)
    """What every interaction tells the run's ledger for others' sake: `contact` (its
    customer came, for `repeat_contact`), `agent` (an agent spoke or acted in its case, for
    promises found in text)."""
    condition_values: dict[str, tuple[set[str], dict[str, str]]] = field(init=False, repr=False)
    """For each field conditions compare (channel, team, agent, tags): the values conditions
    name, and each with its case folded → the first named so. Empty when no rule or override
    has a `when`."""

    def case_mismatches(self, record: Any) -> list[str]:
        """A warning for each value of the record that a condition names only in another case
        (`Phone` where the rules say `phone`): conditions compare exactly, so it does not hold."""
        found: list[str] = []
        for name, (exact, folded) in self.condition_values.items():
            values = record.tags if name == "tags" else (getattr(record, name),)
            for value in values:
                if value is None:
                    continue
                named = folded.get(value.casefold())
                if named is not None and value not in exact:
                    found.append(
                        f"{name} '{value}' matches the condition value '{named}' only when case "
                        "is ignored; conditions compare exactly, so it does not hold"
                    )
        return found

    @property
    def name(self) -> str:
        return self.model.name

    @property
    def rules(self) -> list[RuleBase]:
        return list(self.model.rules)

    def grade(self, score: float) -> str:
        """The grade whose band holds `score` (a score equal to a bound gets that grade)."""
        return self.grading.grade(score)

    def grade_order(self) -> list[str]:
        """Grades from best to worst, ending with F."""
        return self.grading.order()

    def _planned(
        self, active: tuple[int, ...]
    ) -> tuple[list[PlannedRule], list[PlannedRule | None] | None]:
        """The plan for a set of active overrides, built once; and, when some rule has `when`,
        for each rule what it becomes where its condition does not hold (None: no condition)."""
        cached = self._plans.get(active)
        if cached is None:
            compiled = Compiled(self.phrases, self.phrase_index, self.calendars, self.inline_packs)
            planned = []
            for rule in self.model.rules:
                disabled_by = None
                for index in active:
                    patch = self.model.overrides[index].rules.get(rule.id)
                    if patch:
                        rule = _patched(rule, patch)
                        if patch.get("enabled") is False:
                            disabled_by = index
                if not rule.enabled:
                    reason = "disabled"
                    if disabled_by is not None:
                        reason = f"disabled by override {disabled_by + 1}"
                    planned.append(PlannedRule(rule, None, reason))
                else:
                    check = checks.KINDS[rule.kind].Check(rule, compiled)
                    planned.append(PlannedRule(rule, check, None))
            unmet: list[PlannedRule | None] = [
                PlannedRule(p.rule, None, WHEN_UNMET)
                if p.check is not None and p.rule.when is not None
                else None
                for p in planned
            ]
            cached = self._plans[active] = (planned, unmet if any(unmet) else None)
        return cached

    def active_overrides(self, record: Any) -> tuple[int, ...]:
        """Indexes of the overrides whose `when` holds for an interaction."""
        overrides = self.model.overrides
        if not overrides:
            return ()
        return tuple(i for i, override in enumerate(overrides) if override.when.holds(record))

    def check_for(self, active: tuple[int, ...], rule_id: str) -> Any:
        """The check of one rule under a set of active overrides."""
        planned, _ = self._planned(active)
        return next(p.check for p in planned if p.id == rule_id)

    def plan(self, record: Any, active: tuple[int, ...] | None = None) -> list[PlannedRule]:
        """The rules as they apply to one interaction, overrides and conditions included."""
        if active is None:
            active = self.active_overrides(record)
        planned, unmet = self._planned(active)
        if unmet is None:
            return planned
        return [
            otherwise if otherwise is not None and not p.rule.when.holds(record) else p  # type: ignore[union-attr]
            for p, otherwise in zip(planned, unmet, strict=True)
        ]

    def __post_init__(self) -> None:
        self.phrase_index = PhraseIndex(self.phrases)
        self.grading = Grading(self.model.grades, self.model.pass_score)
        fixed = not self.model.overrides and all(r.when is None for r in self.model.rules)
        self.fixed_plan = self._planned(())[0] if fixed else None
        rules = [*self.model.rules]
        for override in self.model.overrides:
            rules.extend(
                _patched(rule, override.rules[rule.id])
                for rule in self.model.rules
                if override.rules.get(rule.id)
            )
        wanted = set()
        for rule in rules:
            if rule.kind == "repeat_contact":
                wanted.add("contact")
            if rule.kind == "promises" and getattr(rule, "from_text", False):
                wanted.add("agent")
        self.signals = frozenset(wanted)
        conditions = [r.when for r in self.model.rules if r.when is not None]
        conditions += [o.when for o in self.model.overrides]
        values: dict[str, tuple[set[str], dict[str, str]]] = {}
        for condition in conditions:
            for name in ("channel", "team", "agent", "tags"):
                named = getattr(condition, name)
                for value in [named] if isinstance(named, str) else named or []:
                    exact, folded = values.setdefault(name, (set(), {}))
                    exact.add(value)
                    folded.setdefault(value.casefold(), value)
        self.condition_values = values

    def warm(self) -> None:
        """Compile the base plan now, so every worker starts with it."""
        self._planned(())


def _patched(rule: RuleBase, patch: dict[str, Any]) -> RuleBase:
    data = rule.model_dump(exclude_unset=True)
    data.update(patch)
    data["id"], data["kind"] = rule.id, rule.kind
    return _rule_adapter.validate_python(data)


def _reference_problems(
    rule: RuleBase,
    book: PhraseBook,
    calendars: dict[str, CalendarSpec],
    node: Any,
    fallback: Location | None,
    path: str,
) -> list[Problem]:
    """Phrase packs and calendars a rule names that do not exist (`node`: its raw mapping)."""
    problems: list[Problem] = []

    def where(key: str) -> Location | None:
        return node.where(key) if isinstance(node, LocDict) and key in node else fallback

    for pack in rule.packs_used():
        if pack not in book:
            close = difflib.get_close_matches(pack, list(book), n=1)
            hint = f"; did you mean `{close[0]}`?" if close else ""
            key = next(
                (k for k in ("phrases", "request_phrases", "step_phrases") if k in (node or {})),
                "phrases",
            )
            problems.append(Problem(where(key), path, f"unknown phrase pack `{pack}`{hint}"))
    for name in rule.calendars_used():
        if name not in calendars:
            close = difflib.get_close_matches(name, list(calendars), n=1)
            if close:
                hint = f"; did you mean `{close[0]}`?"
            elif calendars:
                hint = f" (calendars: {', '.join(calendars)})"
            else:
                hint = " (define it under the top-level key `calendars`)"
            problems.append(
                Problem(where("calendar"), f"{path}.calendar", f"unknown calendar `{name}`{hint}")
            )
    return problems


MAX_RULES = 200
"""Rules in a rule set, after `extends` (a real standard has tens; each costs every record)."""
MAX_OVERRIDES = 200
MAX_PHRASES = 20_000
"""Phrases a rule set adds to the bundled packs and inline in rules, all together."""
MAX_PHRASE_CHARS = 300


def _size_problems(raw: LocDict) -> list[Problem]:
    """A rule set too large to be a standard: too many rules, overrides or phrases, or a phrase
    too long. Checked before anything else, so such a file is refused at once."""
    problems: list[Problem] = []
    for key, limit in (("rules", MAX_RULES), ("overrides", MAX_OVERRIDES)):
        items = raw.get(key)
        if isinstance(items, list) and len(items) > limit:
            problems.append(
                Problem(raw.where(key), key, f"{len(items):,} {key}; at most {limit:,} are read")
            )
    phrase_lists: list[tuple[LocList, str]] = []
    packs = raw.get("phrases")
    if isinstance(packs, LocDict):
        for name, pack in packs.items():
            if isinstance(pack, LocDict):
                phrase_lists.extend(
                    (items, f"phrases.{name}.{language}")
                    for language, items in pack.items()
                    if isinstance(items, LocList)
                )
    rules = raw.get("rules")
    if isinstance(rules, LocList):
        for index, rule in enumerate(rules[: MAX_RULES + 1]):
            if isinstance(rule, LocDict) and isinstance(rule.get("phrases"), LocList):
                phrase_lists.append((rule["phrases"], f"rules[{_item_name(rule, index)}].phrases"))
    total = 0
    for items, path in phrase_lists:
        total += len(items)
        for index, phrase in enumerate(items):
            if isinstance(phrase, str) and len(phrase) > MAX_PHRASE_CHARS:
                problems.append(
                    Problem(
                        items.where(index),
                        f"{path}[{index}]",
                        f"a phrase of {len(phrase):,} characters; at most {MAX_PHRASE_CHARS} "
                        "are read",
                    )
                )
                break
    if total > MAX_PHRASES:
        problems.append(
            Problem(
                packs.loc if isinstance(packs, LocDict) else raw.loc,
                "phrases",
                f"{total:,} phrases; at most {MAX_PHRASES:,} are read",
            )
        )
    return problems


def _pack_problems(
    rules: list[RuleBase], raw: LocDict, book: PhraseBook, calendars: dict[str, CalendarSpec]
) -> list[Problem]:
    """Rule ids used twice, and phrase packs or calendars that do not exist."""
    problems: list[Problem] = []
    rules_raw = raw.get("rules")
    raw_by_id: dict[str, LocDict] = {}
    if isinstance(rules_raw, LocList):
        for item in rules_raw:
            if isinstance(item, LocDict) and isinstance(item.get("id"), str):
                raw_by_id.setdefault(item["id"], item)
    seen: dict[str, int] = {}
    for i, rule in enumerate(rules):
        rule_raw = raw_by_id.get(rule.id)
        if rule.id in seen:
            where = rule_raw.where("id") if rule_raw is not None else None
            problems.append(
                Problem(
                    where,
                    f"rules[{rule.id}].id",
                    f"rule id `{rule.id}` is used twice (first by rule {seen[rule.id] + 1})",
                )
            )
        seen.setdefault(rule.id, i)
        fallback = rule_raw.loc if rule_raw is not None else None
        problems.extend(
            _reference_problems(rule, book, calendars, rule_raw, fallback, f"rules[{rule.id}]")
        )
    return problems


def _semantic_problems(model: RuleSetModel, raw: LocDict, book: PhraseBook) -> list[Problem]:
    """Problems that need the whole rule set: the gate's grade and the overrides' rule keys."""
    problems: list[Problem] = []
    gate = model.gate
    if (
        gate.min_grade is not None
        and gate.min_grade not in model.grades
        and gate.min_grade != LOWEST_GRADE
    ):
        gate_raw = raw.get("gate")
        where = gate_raw.where("min_grade") if isinstance(gate_raw, LocDict) else None
        grades = ", ".join([*model.grades, LOWEST_GRADE])
        problems.append(
            Problem(where, "gate.min_grade", f"unknown grade {gate.min_grade!r} (grades: {grades})")
        )
    overrides_raw = raw.get("overrides")
    by_id = {rule.id: rule for rule in model.rules}
    rules_raw = raw.get("rules")
    invalid = {
        item.get("id")
        for item in (rules_raw if isinstance(rules_raw, list) else [])
        if isinstance(item, dict) and item.get("id") not in by_id
    }
    for i, override in enumerate(model.overrides):
        o_raw = overrides_raw[i] if isinstance(overrides_raw, LocList) else None
        rules_node = o_raw.get("rules") if isinstance(o_raw, LocDict) else None
        for rule_id, patch in override.rules.items():
            where = rules_node.where(rule_id) if isinstance(rules_node, LocDict) else None
            path = f"overrides[{i}].rules.{rule_id}"
            if rule_id in invalid:
                continue  # the rule itself is invalid; its problems are reported already
            if rule_id not in by_id:
                close = difflib.get_close_matches(rule_id, list(by_id), n=1)
                hint = f"; did you mean `{close[0]}`?" if close else ""
                problems.append(Problem(where, path, f"no rule with id `{rule_id}`{hint}"))
                continue
            if "id" in patch or "kind" in patch:
                problems.append(Problem(where, path, "an override cannot change `id` or `kind`"))
                continue
            patch_raw = rules_node.get(rule_id) if isinstance(rules_node, LocDict) else None
            try:
                patched = _patched(by_id[rule_id], patch)
            except ValidationError as exc:
                for error in exc.errors():
                    sub = _describe(error, patch_raw)
                    sub_path = f"{path}.{sub.path}" if sub.path else path
                    problems.append(Problem(sub.location or where, sub_path, sub.message))
                continue
            problems.extend(
                _reference_problems(patched, book, model.calendars, patch_raw, where, path)
            )
    return problems


def build_phrase_book(packs: dict[str, PhrasePack]) -> PhraseBook:
    """Bundled packs, with the rule set's packs added language by language (or replacing)."""
    book = bundled_packs()
    for name, pack in packs.items():
        languages = dict(pack.__pydantic_extra__ or {})
        if pack.unless:
            languages[CANCEL_KEY] = pack.unless
        if pack.replace or name not in book:
            book[name] = {lang: list(items) for lang, items in languages.items()}
        else:
            for lang, items in languages.items():
                book[name].setdefault(lang, []).extend(items)
    return book


def _add_inline_packs(
    model: RuleSetModel | None, rules: list[RuleBase], book: PhraseBook
) -> dict[tuple[str, str], str]:
    """Make each rule's inline phrases a pack of the book (`rule:ID`), so one scan finds them.

    An override that gives a rule other inline phrases adds a pack of its own
    (`rule:ID/override N`).
    """
    inline: dict[tuple[str, str], str] = {}

    def add(rule: RuleBase, name: str) -> None:
        phrases = rule.inline_phrases()
        if phrases is None:
            return
        key = inline_key(rule.id, phrases)
        if key not in inline:
            book[name] = {lang: list(items) for lang, items in phrases.items()}
            inline[key] = name

    for rule in rules:
        add(rule, f"rule:{rule.id}")
    if model is not None:
        by_id = {rule.id: rule for rule in rules}
        for number, override in enumerate(model.overrides, start=1):
            for rule_id, patch in override.rules.items():
                if rule_id in by_id and "phrases" in patch and "kind" not in patch:
                    try:
                        patched = _patched(by_id[rule_id], patch)
                    except ValidationError:
                        continue  # reported with its position by _semantic_problems
                    add(patched, f"rule:{rule_id}/override {number}")
    return inline


def _validate(
    raw: LocDict, partial: bool = False
) -> tuple[RuleSetModel | None, list[RuleBase], list[Problem]]:
    """Validate the document and each rule on its own, so every problem is found in one run.

    `partial`: what the file extends could not be read, so a rule without `kind` may refine a
    rule of that file; such rules are left unchecked rather than reported as missing a kind.
    """
    problems: list[Problem] = []
    rules_raw = raw.get("rules")
    top = _copy_dict(raw, (k for k in raw if k != "rules"))
    model: RuleSetModel | None = None
    try:
        model = RuleSetModel.model_validate(top)
    except ValidationError as exc:
        problems.extend(_describe(error, raw) for error in exc.errors())
    rules: list[RuleBase] = []
    if rules_raw is not None and not isinstance(rules_raw, list):
        problems.append(Problem(raw.where("rules"), "rules", "expected a list of rules"))
        return None, rules, problems
    for i, rule_raw in enumerate(rules_raw or []):
        if partial and isinstance(rule_raw, LocDict) and "kind" not in rule_raw:
            continue
        try:
            rules.append(_rule_adapter.validate_python(rule_raw))
        except ValidationError as exc:
            for error in exc.errors():
                problems.append(_describe({**error, "loc": ("rules", i, *error["loc"])}, raw))
    if model is not None:
        model = model.model_copy(update={"rules": rules})
    return model, rules, problems


def _position(problem: Problem) -> tuple[int, str, int, int]:
    where = problem.location
    return (0, where.file, where.line, where.column) if where else (1, "", 0, 0)


_packs_adapter: TypeAdapter[dict[str, PhrasePack]] = TypeAdapter(dict[str, PhrasePack])
_calendars_adapter: TypeAdapter[dict[str, CalendarSpec]] = TypeAdapter(dict[str, CalendarSpec])


def _packs_and_calendars(
    model: RuleSetModel | None, raw: LocDict
) -> tuple[dict[str, PhrasePack] | None, dict[str, CalendarSpec] | None]:
    """The phrase packs and calendars the rules may name. When another top-level key is wrong
    (so there is no model), each is validated on its own, so that a correct pack or calendar
    is not reported as unknown too; None where it is wrong itself (already a problem)."""
    if model is not None:
        return model.phrases, model.calendars
    try:
        packs: dict[str, PhrasePack] | None = _packs_adapter.validate_python(
            raw.get("phrases") or {}
        )
    except ValidationError:
        packs = None
    try:
        calendars: dict[str, CalendarSpec] | None = _calendars_adapter.validate_python(
            raw.get("calendars") or {}
        )
    except ValidationError:
        calendars = None
    return packs, calendars


def load_ruleset(reference: str | None) -> RuleSet:
    """Load a rules file (path) or a bundled preset (name); None means the `default` preset."""
    loaded = _read(reference or "default", None, [], None)
    raw = loaded.raw
    too_large = _size_problems(raw)
    if too_large:
        raise RuleSetError([*loaded.problems, *too_large])
    partial = bool(loaded.problems)
    model, rules, problems = _validate(raw, partial)
    problems = [*loaded.problems, *problems]
    packs, calendar_specs = _packs_and_calendars(model, raw)
    book = build_phrase_book(packs or {})
    inline = _add_inline_packs(model, rules, book)
    if not partial and packs is not None and calendar_specs is not None:
        # Packs, grades and rule ids may come from the file that could not be read: only
        # check them when the whole chain was read.
        problems.extend(_pack_problems(rules, raw, book, calendar_specs))
        if model is not None:
            problems.extend(_semantic_problems(model, raw, book))
    if problems or model is None:
        problems.sort(key=_position)
        raise RuleSetError(problems)
    model = model.model_copy(update={"extends": None})
    zone = ZoneInfo(model.timezone)
    ruleset = RuleSet(
        model,
        loaded.sources,
        book,
        zone,
        raw,
        calendars=build_calendars(model.calendars, zone),
        inline_packs=inline,
    )
    ruleset.warm()
    return ruleset
