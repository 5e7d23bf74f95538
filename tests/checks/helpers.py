"""Helpers for the per-kind check tests: one-rule rule sets, records, and scoring them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

import yaml

from cs_score import engine
from cs_score.engine import InteractionResult
from cs_score.records import Decoded, RawLine, decode
from cs_score.ruleset import RuleSet, load_ruleset

CASES = Path(__file__).resolve().parent / "cases"
CASE_FILES = sorted(CASES.glob("*.yaml"))
"""Every case file: `cases/<kind>.yaml`, found on disk, so a kind's new case file is run."""


class CaseLoader(yaml.SafeLoader):
    """A safe loader that keeps timestamps as the strings written, so records stay JSON."""


CaseLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_cases(kind: str) -> list[dict[str, Any]]:
    """The cases of one rule kind, from `cases/<kind>.yaml`."""
    with open(CASES / f"{kind}.yaml", encoding="utf-8") as handle:
        cases = yaml.load(handle, Loader=CaseLoader)  # a SafeLoader subclass: safe
    assert isinstance(cases, list), f"{kind}.yaml: expected a list of cases"
    return cases


def write_rules(
    folder: Path,
    rules: list[dict[str, Any]],
    top: Mapping[str, Any] | None = None,
    name: str = "rules.yaml",
) -> Path:
    """A rules file with the given rules and extra top-level keys (`phrases`, `grades`, …)."""
    document: dict[str, Any] = {"cs_score": 1, **(top or {}), "rules": rules}
    path = folder / name
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), "utf-8")
    return path


def one_rule_ruleset(
    folder: Path, kind: str, params: Mapping[str, Any], top: Mapping[str, Any] | None = None
) -> RuleSet:
    """A rule set holding one rule `r` of `kind`, loaded as a user's file would be."""
    path = write_rules(folder, [{"id": "r", "kind": kind, **params}], top)
    return load_ruleset(str(path))


def decode_record(record: Mapping[str, Any], ruleset: RuleSet) -> Decoded:
    """The record as one JSON line, decoded in the rule set's time zone."""
    data = json.dumps(record, ensure_ascii=False).encode("utf-8")
    decoded = decode(RawLine("case.jsonl", 1, data), ruleset.zone)
    assert isinstance(decoded, Decoded), f"record rejected: {decoded}"
    return decoded


def datetime_in(text: str, zone: tzinfo) -> datetime:
    """An RFC 3339 time; without an offset it is read in `zone`, as records are."""
    value = datetime.fromisoformat(text)
    return value if value.tzinfo is not None else value.replace(tzinfo=zone)


def parse_time(text: str | None, zone: tzinfo) -> datetime | None:
    return None if text is None else datetime_in(text, zone)


def score_record(
    record: Mapping[str, Any],
    ruleset: RuleSet,
    as_of: str | None = None,
    fulfilled: Mapping[str, str] | None = None,
) -> InteractionResult:
    """Score one record; an open result (promises) is settled as the end of a run would."""
    when = parse_time(as_of, ruleset.zone)
    result = engine.score(decode_record(record, ruleset), ruleset, seq=0, as_of=when)
    if result.is_open:
        kept = {pid: datetime_in(at, ruleset.zone) for pid, at in (fulfilled or {}).items()}
        engine.settle(result, ruleset, fulfilled=kept, as_of=when or result.latest)
    else:
        assert not fulfilled, "`fulfilled` given but the result was not open"
    return result


def assert_subset(expected: Any, actual: Any, path: str = "evidence") -> None:
    """Every key and value of `expected` is in `actual` (dicts by key, lists item by item)."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{path}: expected a mapping, got {actual!r}"
        for key, value in expected.items():
            assert key in actual, f"{path}: no key {key!r} in {actual!r}"
            assert_subset(value, actual[key], f"{path}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list), f"{path}: expected a list, got {actual!r}"
        assert len(expected) == len(actual), f"{path}: expected {expected!r}, got {actual!r}"
        for index, (want, got) in enumerate(zip(expected, actual, strict=True)):
            assert_subset(want, got, f"{path}[{index}]")
    elif isinstance(expected, float) or isinstance(actual, float):
        assert actual == expected or abs(actual - expected) <= 1e-9, (
            f"{path}: expected {expected!r}, got {actual!r}"
        )
    else:
        assert actual == expected, f"{path}: expected {expected!r}, got {actual!r}"
