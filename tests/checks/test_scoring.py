"""The interaction score: 100 × Σ weight·credit / Σ weight over rules that are not n/a,
critical failures, grades and the pass mark, with exact numbers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from helpers import score_record, write_rules

from cs_score.engine import InteractionResult
from cs_score.ruleset import RuleSet, load_ruleset

GRADES = {"A": 90, "B": 80, "C": 70, "D": 60}

NO_PROBLEM = {"defective": False}  # product_quality credit 1
RETURNED = {"returned": True}  # product_quality credit 0.7
ALL_FLAGS = {"defective": True, "returned": True, "complaint": True}  # credit 0


def ruleset(folder: Path, rules: list[dict[str, Any]], **top: Any) -> RuleSet:
    return load_ruleset(str(write_rules(folder, rules, {"grades": GRADES, **top})))


def quality(rule_id: str = "quality", **keys: Any) -> dict[str, Any]:
    return {"id": rule_id, "kind": "product_quality", **keys}


def greeting(rule_id: str = "greeting", **keys: Any) -> dict[str, Any]:
    return {"id": rule_id, "kind": "greeting", **keys}


def interaction(product: dict[str, Any] | None = None, *agent_says: str) -> dict[str, Any]:
    record: dict[str, Any] = {"id": "i1"}
    if product is not None:
        record["product"] = product
    record["events"] = [{"from": "agent", "text": text} for text in agent_says]
    return record


def score(
    folder: Path, rules: list[dict[str, Any]], record: dict[str, Any], **top: Any
) -> InteractionResult:
    return score_record(record, ruleset(folder, rules, **top))


def test_weighted_mean(tmp_path: Path) -> None:
    # credits 1 (weight 3) and 0 (weight 1): 100 × 3 / 4
    result = score(
        tmp_path, [quality(weight=3), greeting(weight=1)], interaction(NO_PROBLEM, "Order?")
    )
    assert (result.rules["quality"].credit, result.rules["greeting"].credit) == (1.0, 0.0)
    assert result.score == 75.0
    assert result.grade == "C"
    assert result.passed is True
    assert result.critical_failure is None


def test_partial_credits_and_rounding(tmp_path: Path) -> None:
    # 100 × (2 × 0.7 + 1 × 0.5) / 3 = 63.333… → 63.33
    result = score(
        tmp_path,
        [quality(weight=2), greeting(weight=1)],
        interaction(RETURNED, "Order?", "Hello"),
    )
    assert result.score == 63.33
    assert result.grade == "D"
    assert result.passed is False


def test_na_rules_leave_the_denominator(tmp_path: Path) -> None:
    rules = [
        quality(weight=3),
        greeting(weight=1),
        {"id": "wait", "kind": "wait_time", "weight": 5},
    ]
    result = score(tmp_path, rules, interaction(NO_PROBLEM, "Order?"))
    assert result.rules["wait"].status == "na"
    assert result.rules["wait"].credit is None
    assert result.score == 75.0


def test_disabled_rule_is_na(tmp_path: Path) -> None:
    rules = [quality(weight=3), greeting(weight=1, enabled=False)]
    result = score(tmp_path, rules, interaction(NO_PROBLEM, "Order?"))
    assert result.rules["greeting"].status == "na"
    assert result.score == 100.0


def test_rule_whose_condition_does_not_hold_is_na(tmp_path: Path) -> None:
    rules = [quality(weight=3), greeting(weight=1, when={"channel": "chat"})]
    result = score(tmp_path, rules, {**interaction(NO_PROBLEM, "Order?"), "channel": "phone"})
    assert result.rules["greeting"].status == "na"
    assert result.score == 100.0


def test_all_rules_na_is_unrated(tmp_path: Path) -> None:
    rules = [quality(), greeting(), {"id": "wait", "kind": "wait_time"}]
    result = score(tmp_path, rules, interaction(None))
    assert {rule.status for rule in result.rules.values()} == {"na"}
    assert result.score is None
    assert result.grade is None
    assert result.passed is None
    assert result.critical_failure is None


def test_critical_failure_scores_zero_and_names_the_rule(tmp_path: Path) -> None:
    rules = [quality(weight=9), {"id": "conduct", "kind": "conduct", "weight": 1}]
    result = score(tmp_path, rules, interaction(NO_PROBLEM, "That's your fault."))
    assert result.rules["conduct"].status == "fail"
    assert result.rules["conduct"].critical is True
    assert result.score == 0.0
    assert result.critical_failure == "conduct"
    assert result.grade == "F"
    assert result.passed is False


def test_first_failed_critical_rule_is_named(tmp_path: Path) -> None:
    rules = [
        quality("quality", critical=True),
        {"id": "conduct", "kind": "conduct"},
    ]
    result = score(tmp_path, rules, interaction(ALL_FLAGS, "That's your fault."))
    assert result.critical_failure == "quality"
    assert result.score == 0.0


def test_non_critical_failure_only_costs_its_weight(tmp_path: Path) -> None:
    rules = [quality(weight=1), {"id": "conduct", "kind": "conduct", "critical": False}]
    result = score(tmp_path, rules, interaction(NO_PROBLEM, "That's your fault."))
    assert result.critical_failure is None
    assert result.score == 50.0


def test_partial_credit_of_a_critical_rule_is_not_a_failure(tmp_path: Path) -> None:
    rules = [quality(critical=True, weight=1), greeting(weight=1)]
    result = score(tmp_path, rules, interaction(RETURNED, "Hello"))
    assert result.rules["quality"].status == "partial"
    assert result.critical_failure is None
    assert result.score == 85.0


def test_na_critical_rule_is_not_a_failure(tmp_path: Path) -> None:
    rules = [quality(critical=True), greeting()]
    result = score(tmp_path, rules, interaction(None, "Hello"))
    assert result.rules["quality"].status == "na"
    assert result.critical_failure is None
    assert result.score == 100.0


@pytest.mark.parametrize(
    ("value", "grade"),
    [
        (100, "A"),
        (90, "A"),
        (89.99, "B"),
        (80, "B"),
        (79.99, "C"),
        (70, "C"),
        (69.99, "D"),
        (60, "D"),
        (59.99, "F"),
        (0, "F"),
    ],
)
def test_grade_bands(tmp_path: Path, value: float, grade: str) -> None:
    assert ruleset(tmp_path, [quality()]).grade(value) == grade


def test_grade_bands_in_any_order_and_any_names(tmp_path: Path) -> None:
    rules = ruleset(tmp_path, [quality()], grades={"Silver": 75, "Gold": 95})
    assert [rules.grade(v) for v in (100, 95, 94.99, 75, 74.99)] == [
        "Gold",
        "Gold",
        "Silver",
        "Silver",
        "F",
    ]
    assert rules.grade_order() == ["Gold", "Silver", "F"]


def test_score_exactly_on_a_grade_bound(tmp_path: Path) -> None:
    # credits 1 (weight 9) and 0 (weight 1): exactly 90.0 → A
    result = score(
        tmp_path, [quality(weight=9), greeting(weight=1)], interaction(NO_PROBLEM, "Order?")
    )
    assert result.score == 90.0
    assert result.grade == "A"


def test_score_equal_to_pass_score_passes(tmp_path: Path) -> None:
    rules = [quality(weight=3), greeting(weight=1)]
    record = interaction(NO_PROBLEM, "Order?")
    at_mark = score(tmp_path, rules, record, pass_score=75)
    assert (at_mark.score, at_mark.passed) == (75.0, True)
    above_mark = score(tmp_path, rules, record, pass_score=75.01)
    assert (above_mark.score, above_mark.passed) == (75.0, False)


def test_default_pass_score_is_70(tmp_path: Path) -> None:
    rules = [quality(weight=7), greeting(weight=3)]
    record = interaction(NO_PROBLEM, "Order?")
    result = score(tmp_path, rules, record)
    assert (result.score, result.grade, result.passed) == (70.0, "C", True)
    lower = score(tmp_path, [quality(weight=69), greeting(weight=31)], record)
    assert (lower.score, lower.passed) == (69.0, False)
