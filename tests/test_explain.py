"""`cs-score explain`: the same result as `evaluate`, its arithmetic, and its evidence."""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLE, ROOT, Ran, assert_golden, run_cli

from cs_score.errors import InputError
from cs_score.explain import explain
from cs_score.formats.base import printable
from cs_score.pipeline import RunOptions, evaluate, find_interaction
from cs_score.ruleset import load_ruleset

GOLDEN_CASES: dict[str, tuple[str, ...]] = {
    "explain-INT-0003.txt": ("--id", "INT-0003"),
    "explain-INT-0012.txt": ("--id", "INT-0012"),
    "explain-INT-0013.json": ("--id", "INT-0013", "-f", "json"),
}


@pytest.mark.parametrize("name", sorted(GOLDEN_CASES))
def test_golden_explanation_for_the_example(name: str) -> None:
    """Reviewed outputs; regenerate with CS_SCORE_UPDATE_GOLDEN=1 (see tests/test_formats.py)."""
    ran = run_cli("explain", "examples/with-problems.jsonl", *GOLDEN_CASES[name], cwd=ROOT)
    assert ran.code == 0, ran.stderr
    assert_golden(name, ran.stdout)


def _example_results() -> list[dict[str, Any]]:
    run = evaluate([str(EXAMPLE)], load_ruleset(None), RunOptions(keep_results=True))
    assert run.results is not None
    results = list(run.results)
    run.results.close()
    return results


def test_explain_gives_every_interaction_the_score_evaluate_gives() -> None:
    ruleset = load_ruleset(None)
    expected = _example_results()
    assert len(expected) == 37
    for result in expected:
        found = find_interaction([str(EXAMPLE)], ruleset, result["id"])
        assert found.result is not None
        assert found.result.to_dict() == result


def test_reading_stops_once_the_result_is_final() -> None:
    ruleset = load_ruleset(None)
    final = find_interaction([str(EXAMPLE)], ruleset, "INT-0012")
    assert (final.read, final.read_all, final.as_of) == (12, False, None)
    # INT-0003's promise is kept by INT-0009: the whole input is read, the as-of is its end.
    waiting = find_interaction([str(EXAMPLE)], ruleset, "INT-0003")
    assert (waiting.read, waiting.rejected, waiting.read_all) == (38, 1, True)
    assert waiting.as_of is not None and waiting.as_of.isoformat() == "2026-03-31T16:04:00+01:00"
    assert waiting.result is not None
    promises = waiting.result.rules["promises"]
    assert (promises.status, promises.credit) == ("pass", 1.0)


def _record(id_: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": id_,
        "channel": "email",
        "started_at": "2026-03-02T10:00:00Z",
        "answered_at": "2026-03-02T10:30:00Z",
        **extra,
    }


PROMISE = {"id": "P-1", "made_at": "2026-03-02T10:30:00Z", "due": "2026-03-04T17:00:00Z"}
KEEP = {"at": "2026-03-03T09:00:00Z", "from": "agent", "type": "action", "fulfills": "P-1"}


def test_a_repeated_id_cannot_keep_a_promise(write_log) -> None:
    """As in evaluate, a line that repeats an earlier id is rejected, and its events with it."""
    log = write_log(
        [
            _record("A"),
            _record("P", promises=[PROMISE]),
            _record("A", events=[KEEP]),
            _record("Z", ended_at="2026-03-09T10:00:00Z"),
        ]
    )
    ruleset = load_ruleset(None)
    found = find_interaction([str(log)], ruleset, "P")
    assert found.result is not None
    assert found.result.rules["promises"].status == "fail"
    assert found.rejected == 1
    [expected] = [r for r in _results(log) if r["id"] == "P"]
    assert found.result.to_dict() == expected


def test_a_later_interaction_keeps_the_promise(write_log) -> None:
    log = write_log(
        [
            _record("P", promises=[PROMISE]),
            _record("B", events=[KEEP]),
            _record("Z", ended_at="2026-03-09T10:00:00Z"),
        ]
    )
    found = find_interaction([str(log)], load_ruleset(None), "P")
    assert found.result is not None
    promises = found.result.rules["promises"]
    assert (promises.status, promises.evidence["promises"][0]["kept_at"]) == (
        "pass",
        "2026-03-03T09:00:00+00:00",
    )


def _results(log: Path) -> list[dict[str, Any]]:
    run = evaluate([str(log)], load_ruleset(None), RunOptions(keep_results=True))
    assert run.results is not None
    return list(run.results)


def test_damaged_input_after_a_final_result_is_not_read(tmp_path: Path) -> None:
    """Reading stops at a final result, so damage further on does not stop explain."""
    filler = [json.dumps(_record(f"F{n:05d}")) for n in range(20_000)]
    text = "\n".join([json.dumps(_record("first")), *filler]) + "\n"
    log = tmp_path / "cut.jsonl.gz"
    log.write_bytes(gzip.compress(text.encode())[:-200])
    ruleset = load_ruleset(None)
    found = find_interaction([str(log)], ruleset, "first")
    assert (found.read, found.read_all) == (1, False)
    with pytest.raises(InputError, match="damaged gzip data after line"):
        find_interaction([str(log)], ruleset, "F19999")


def test_computation_adds_up() -> None:
    ruleset = load_ruleset(None)
    found = find_interaction([str(EXAMPLE)], ruleset, "INT-0013")
    assert found.result is not None
    computation = explain(found.result, ruleset, found.as_of)["computation"]
    assert [
        (c["rule"], c["credit"], c["weight"], c["weighted_credit"]) for c in computation["counted"]
    ] == [
        ("wait-time", 0.5, 3.0, 1.5),
        ("greeting", 1.0, 1.0, 1.0),
        ("resolution", 0.1667, 3.0, 0.5),
        ("promises", 0.0, 2.0, 0.0),
        ("conduct", 1.0, 2.0, 2.0),
    ]
    assert computation["not_applicable"] == [
        {"rule": "product-quality", "weight": 2.0, "reason": "no product outcome"}
    ]
    assert (computation["sum_weighted_credit"], computation["sum_weight"]) == (5.0, 11.0)
    assert (computation["weighted_mean"], computation["score"]) == (45.45, 45.45)


def test_explain_text_shows_the_arithmetic(cli: Callable[..., Ran]) -> None:
    ran = cli("explain", EXAMPLE, "--id", "INT-0012")
    assert ran.code == 0
    assert "Score 0.00 · grade F (below 60)\ndid not pass: critical rule conduct failed\n" in (
        ran.stdout
    )
    assert "  Σ weight × credit = 3 + 1 + 0 = 4\n" in ran.stdout
    assert "  Σ weight          = 3 + 1 + 2 = 6\n" in ran.stdout
    assert "  score             = 100 × 4 / 6 = 66.67\n" in ran.stdout
    assert "  The critical rule conduct failed, so the score is 0 (not 66.67).\n" in ran.stdout
    assert "  Not counted: promises (weight 2) is n/a: no promises\n" in ran.stdout
    assert "  conduct\n    matches:\n      - phrase: stupid question\n        pack: insult\n" in (
        ran.stdout
    )


def test_explain_json_is_evaluates_result(cli: Callable[..., Ran]) -> None:
    ran = cli("explain", EXAMPLE, "--id", "INT-0018", "-f", "json")
    assert ran.code == 0
    document = ran.json()
    evaluated = cli("evaluate", EXAMPLE, "-f", "json").json()
    [expected] = [i for i in evaluated["interactions"] if i["id"] == "INT-0018"]
    assert document["interaction"] == expected
    assert document["as_of"] == "2026-03-31T16:04:00+01:00"
    assert document["computation"]["score"] == 76.92


def test_explain_unrated_interaction(cli: Callable[..., Ran], write_log) -> None:
    log = write_log([{"id": "empty"}])
    ran = cli("explain", log, "--id", "empty")
    assert ran.code == 0
    assert "Score –\nunrated: no rule could score it" in ran.stdout
    assert "  Every rule was n/a: the interaction has no score and no grade.\n" in ran.stdout
    assert (
        json.loads(cli("explain", log, "--id", "empty", "-f", "json").stdout)["computation"][
            "score"
        ]
        is None
    )


def test_explain_unknown_id_exits_2(cli: Callable[..., Ran]) -> None:
    ran = cli("explain", EXAMPLE, "--id", "INT-0026")
    assert ran.code == 2
    assert ran.stderr.strip() == (
        f"error: no interaction with id 'INT-0026' in {EXAMPLE} (38 lines read, 1 rejected)"
    )
    assert ran.stdout == ""


def test_explain_from_gzip_on_stdin_with_as_of(cli: Callable[..., Ran]) -> None:
    ran = cli(
        "explain",
        "-",
        "--id",
        "INT-0036",
        "--as-of",
        "2026-04-30T00:00:00Z",
        "-f",
        "json",
        stdin=gzip.compress(EXAMPLE.read_bytes()),
    )
    assert ran.code == 0, ran.stderr
    document = ran.json()
    assert document["interaction"]["source"] == {"file": "<stdin>", "line": 36}
    verdicts = {
        p["id"]: p["verdict"]
        for p in document["interaction"]["rules"]["promises"]["evidence"]["promises"]
    }
    assert verdicts == {"P-0036-1": "kept", "P-0036-2": "broken"}


HOSTILE = '[bold red]x[/] \x1b[2J <script>&"\' \x00\x07, "q"\nyour own fault'
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def test_hostile_text_in_explain(cli: Callable[..., Ran], write_log) -> None:
    """Markup and escape sequences from a record are shown as text, never acted on."""
    record = _record(
        "H-1",
        agent=HOSTILE,
        events=[{"at": "2026-03-02T10:30:00Z", "from": "agent", "text": HOSTILE}],
    )
    log = write_log([record])
    text = cli("explain", log, "--id", "H-1")
    assert text.code == 0, text.stderr
    assert not CONTROL.search(text.stdout)
    assert f"agent {printable(HOSTILE)}" in text.stdout
    assert "[bold red]x[/] \\x1b[2J <script>&\"' \\x00\\x07" in text.stdout
    document = cli("explain", log, "--id", "H-1", "-f", "json")
    assert not CONTROL.search(document.stdout)
    assert document.json()["interaction"]["agent"] == HOSTILE
