"""Loading rule sets: problems met while following `extends` do not hide the file's own."""

from __future__ import annotations

from pathlib import Path

import pytest

from cs_score import checks
from cs_score.errors import RuleSetError
from cs_score.ruleset import load_ruleset


def _problems(path: Path) -> list[str]:
    with pytest.raises(RuleSetError) as caught:
        load_ruleset(str(path))
    return [str(p) for p in caught.value.problems]


def test_cycle_and_own_problems_together(tmp_path: Path) -> None:
    first, second = tmp_path / "first.yaml", tmp_path / "second.yaml"
    first.write_text("cs_score: 1\nextends: second.yaml\npass_score: lots\n")
    second.write_text("cs_score: 1\nextends: first.yaml\nrules: [{id: x, kind: greting}]\n")
    problems = _problems(first)
    assert len(problems) == 3
    assert problems[0].startswith(f"{first}:3:1: pass_score: Input should be a valid number")
    assert problems[1] == (
        f"{second}:2:1: extends: `extends` forms a cycle: {first} → {second} → {first}"
    )
    assert problems[2].startswith(f"{second}:3:17: rules[x].kind: unknown rule kind 'greting'")


def test_rule_without_kind_is_not_blamed_when_the_parent_is_unreadable(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("cs_score: 1\nextends: missing.yaml\nrules:\n  - {id: wait-time, weight: 2}\n")
    assert _problems(rules) == [f"{rules}:2:1: extends: {tmp_path / 'missing.yaml'}: no such file"]


def test_extends_that_is_not_a_name(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("cs_score: 1\nextends: [default]\nname: 3\n")
    assert _problems(rules) == [
        f"{rules}:2:1: extends: expected the name of a bundled rule set or a path to a rules file",
        f"{rules}:3:1: name: Input should be a valid string (got 3)",
    ]


def test_rule_without_kind_still_an_error_when_nothing_is_inherited(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("cs_score: 1\nrules:\n  - {id: wait-time, weight: 2}\n")
    assert _problems(rules) == [
        f"{rules}:3:5: rules[wait-time]: missing `kind` (one of: {', '.join(checks.KINDS)})"
    ]
