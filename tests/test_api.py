"""The Python API: the same scores, reasons and report as the command line, typed for mypy."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from conftest import EXAMPLE, ROOT, Ran

import cs_score
from cs_score import InteractionResult, RecordError, Rejection

RULES = cs_score.load_ruleset()
EXAMPLE_LINES = EXAMPLE.read_text(encoding="utf-8").splitlines()


def _promise_maker(id_: str = "call-1") -> dict[str, Any]:
    """A call whose agent promises a callback by Tuesday noon, not kept within the call."""
    return {
        "id": id_,
        "channel": "phone",
        "case": "K1",
        "started_at": "2026-03-02T10:00:00Z",
        "answered_at": "2026-03-02T10:00:30Z",
        "events": [{"at": "2026-03-02T10:00:30Z", "from": "agent", "text": "Hello!"}],
        "promises": [
            {"id": "P1", "due": "2026-03-03T12:00:00Z", "made_at": "2026-03-02T10:01:00Z"}
        ],
    }


def _keeper(id_: str = "call-2", at: str = "2026-03-03T09:00:00Z") -> dict[str, Any]:
    """A later call on the same case whose agent keeps promise P1."""
    return {
        "id": id_,
        "channel": "phone",
        "case": "K1",
        "started_at": at,
        "events": [{"at": at, "from": "agent", "type": "action", "fulfills": "P1"}],
    }


def test_import_cs_score_loads_nothing_heavy() -> None:
    heavy = "('cs_score.api', 'pydantic', 'msgspec')"
    code = f"import cs_score, sys; print(sorted(m for m in {heavy} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "[]"


def test_the_package_lists_exactly_the_api_names() -> None:
    """`cs_score` names the API again to load it lazily; the two lists must not drift."""
    import cs_score.api
    import cs_score.errors

    lazy = set(cs_score.__all__) - {"__version__"}
    assert lazy == set(cs_score.api.__all__) | {"InputError", "RuleSetError", "UserError"}
    for name in lazy:
        assert getattr(cs_score, name) is getattr(
            cs_score.api if name in cs_score.api.__all__ else cs_score.errors, name
        )


def test_api_report_is_the_cli_report_byte_for_byte(cli: Callable[..., Ran]) -> None:
    ran = cli("evaluate", EXAMPLE, "--format", "json", "--jobs", "1")
    scored = list(cs_score.score_records(EXAMPLE_LINES, RULES, source=str(EXAMPLE)))
    report = cs_score.build_report(cs_score.fold(scored, RULES), inputs=[str(EXAMPLE)])
    assert cs_score.render(report, scored, format="json") == ran.stdout
    assert (ran.code, report.passed) == (1, False)


def test_dicts_are_validated_exactly_as_lines() -> None:
    as_dicts: list[Any] = []
    for line in EXAMPLE_LINES:
        try:
            as_dicts.append(json.loads(line))
        except ValueError:
            as_dicts.append(line)
    from_lines = [_plain(item) for item in cs_score.score_records(EXAMPLE_LINES, RULES)]
    from_dicts = [_plain(item) for item in cs_score.score_records(as_dicts, RULES)]
    assert from_dicts == from_lines
    assert len(from_lines) == 38
    assert from_lines[25] == "<records>:26: not valid JSON (Input data was truncated)"


def _plain(item: InteractionResult | Rejection) -> Any:
    return str(item) if isinstance(item, Rejection) else item.to_dict()


def test_score_record_gives_the_score_and_evidence() -> None:
    result = cs_score.score_record(json.dumps(_promise_maker()), RULES)
    assert (result.id, result.source.file, result.source.line) == ("call-1", "<records>", 1)
    # The promise is due after the record's own latest time: pending, so it does not count.
    assert result.rules["promises"].status == "na"
    assert result.rules["promises"].reason == "all promises pending"
    assert (result.score, result.grade, result.passed) == (100.0, "A", True)


def test_score_record_judges_promises_against_as_of() -> None:
    late = datetime(2026, 3, 4, tzinfo=UTC)
    result = cs_score.score_record(_promise_maker(), RULES, as_of=late)
    assert (result.rules["promises"].status, result.rules["promises"].credit) == ("fail", 0.0)
    assert result.to_dict()["rules"]["promises"]["reason"] == "1 broken"


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ({"channel": "chat"}, "missing required field 'id'"),
        ({"id": "x", "started_at": "2026-02-30T10:00:00Z"}, "bad timestamp in started_at"),
        ({"id": 7}, "bad field id: Expected `str`, got `int`"),
        ('{"id": "x"', "not valid JSON (Input data was truncated)"),
        ("[1, 2]", "not a JSON object"),
        (
            {"id": "x", "when": object()},
            "not JSON data (Encoding objects of type object is unsupported)",
        ),
    ],
)
def test_score_record_rejects_with_the_reason_a_log_gives(record: Any, reason: str) -> None:
    with pytest.raises(RecordError) as caught:
        cs_score.score_record(record, RULES)
    assert caught.value.rejection == Rejection("<records>", 1, reason)
    assert str(caught.value) == f"<records>:1: {reason}"


def test_score_records_settles_a_promise_kept_by_a_later_record() -> None:
    scored = list(
        cs_score.score_records(
            [_promise_maker(), "", _keeper(), _keeper(id_="call-1")],
            RULES,
            as_of=datetime(2026, 3, 5, tzinfo=UTC),
        )
    )
    assert [str(item) if isinstance(item, Rejection) else item.id for item in scored] == [
        "call-1",
        "call-2",
        "<records>:4: duplicate id 'call-1'",
    ]
    maker = scored[0]
    assert isinstance(maker, InteractionResult)
    rule = maker.to_dict()["rules"]["promises"]
    assert (rule["status"], rule["credit"]) == ("pass", 1.0)
    assert rule["evidence"]["promises"][0]["kept_at"] == "2026-03-03T09:00:00+00:00"


def test_fold_and_merge_give_the_same_report_whatever_the_split() -> None:
    scored = list(cs_score.score_records(EXAMPLE_LINES, RULES, source="log"))
    whole = cs_score.build_report(cs_score.fold(scored, RULES, group_by=["agent", "day"]))
    parts = [
        cs_score.fold(scored[i : i + 5], RULES, group_by=["agent", "day"]) for i in range(0, 38, 5)
    ]
    shipped = [pickle.loads(pickle.dumps(part)) for part in reversed(parts)]
    merged = cs_score.merge(shipped, RULES)
    split = cs_score.build_report(merged)
    assert cs_score.render(split, scored, "json") == cs_score.render(whole, scored, "json")
    assert whole.summary["read"] == 38 and whole.summary["mean_score"] == 70.15
    with pytest.raises(ValueError, match="merge needs a rule set"):
        cs_score.merge(shipped)


def test_bad_group_and_format_names_are_value_errors() -> None:
    with pytest.raises(ValueError, match="cannot group by 'shoe'"):
        cs_score.fold([], RULES, group_by=["shoe"])
    report = cs_score.build_report(cs_score.fold([], RULES))
    with pytest.raises(ValueError, match="unknown format 'jsn'"):
        cs_score.render(report, format="jsn")


def test_evaluate_files_like_the_cli(cli: Callable[..., Ran]) -> None:
    ran = cli("evaluate", EXAMPLE, "--format", "json", "--min-score", "60")
    run = cs_score.evaluate([EXAMPLE], RULES, jobs=2)
    report = run.report(cs_score.GateSettings.resolve(RULES, min_score=60.0), [str(EXAMPLE)])
    assert run.results is not None
    assert cs_score.render(report, run.results, "json") == ran.stdout
    run.close()


def test_example_script_runs() -> None:
    """The script as a user runs it; `.ci/run` also type-checks it with mypy --strict."""
    script = ROOT / "tests" / "api_example.py"
    done = subprocess.run(
        [sys.executable, str(script), str(EXAMPLE)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1, done.stderr
    assert done.stdout.splitlines() == [
        "scored 37, rejected 1: with-problems.jsonl:26: not valid JSON (Input data was truncated)",
        "lowest: INT-0007 0.0 None",
        "mean 70.15 grade C",
        "gate failed",
        '{"A": 11, "B": 5, "C": 6, "D": 7, "F": 8}',
    ]
