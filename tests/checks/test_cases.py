"""Each rule kind's credit formula, with exact numbers: cases as data in `cases/<kind>.yaml`.

A case is `{name, rule, record, expect}` with optional `ruleset` (extra top-level keys of the
rules file, e.g. `phrases` or `timezone`), `as_of` and `fulfilled` ({promise id: time}, the
fulfils events of later interactions), and `xfail` (why the code is believed wrong; the test
then must fail). `expect` holds `status` and `credit`, and optionally `reason` (a substring),
`evidence` (a subset), `critical` (the rule's flag), `score` and `critical_failure`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from helpers import CASE_FILES, assert_subset, load_cases, one_rule_ruleset, score_record

from cs_score import checks

CASE_KEYS = {"name", "rule", "record", "expect", "ruleset", "as_of", "fulfilled", "xfail"}
EXPECT_KEYS = {"status", "credit", "reason", "evidence", "critical", "score", "critical_failure"}


def _params() -> list[Any]:
    params = []
    for kind in (path.stem for path in CASE_FILES):
        names: set[str] = set()
        for case in load_cases(kind):
            assert set(case) <= CASE_KEYS, f"{kind}/{case.get('name')}: unknown case keys"
            assert set(case["expect"]) <= EXPECT_KEYS, f"{kind}/{case['name']}: unknown expect"
            assert case["name"] not in names, f"{kind}/{case['name']}: name used twice"
            names.add(case["name"])
            marks = []
            if case.get("xfail"):
                marks.append(pytest.mark.xfail(reason=case["xfail"], strict=True))
            params.append(pytest.param(kind, case, id=f"{kind}/{case['name']}", marks=marks))
    return params


@pytest.mark.parametrize(("kind", "case"), _params())
def test_case(kind: str, case: dict[str, Any], tmp_path: Path) -> None:
    ruleset = one_rule_ruleset(tmp_path, kind, case.get("rule") or {}, case.get("ruleset"))
    record = {"id": case["name"], **case["record"]}
    result = score_record(record, ruleset, case.get("as_of"), case.get("fulfilled"))
    expect = case["expect"]
    rule = result.rules["r"]

    assert rule.status == expect["status"], f"reason: {rule.reason}; evidence: {rule.evidence}"
    if expect["credit"] is None:
        assert rule.credit is None
    else:
        assert rule.credit == pytest.approx(expect["credit"], abs=1e-9)
    if "reason" in expect:
        assert expect["reason"] in rule.reason
    if "evidence" in expect:
        assert_subset(expect["evidence"], rule.evidence)
    if "critical" in expect:
        assert rule.critical is expect["critical"]
    if "score" in expect:
        assert result.score == expect["score"]
    if "critical_failure" in expect:
        assert result.critical_failure == expect["critical_failure"]


def test_every_kind_has_cases_and_every_case_file_a_kind() -> None:
    """The registry is the list of kinds: a kind without cases, or cases of no kind, fail."""
    assert sorted(path.stem for path in CASE_FILES) == sorted(checks.KINDS)
