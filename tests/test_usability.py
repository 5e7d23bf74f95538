"""What a first-time user meets: the Quickstart, odd inputs, mistakes in data and flags."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import EXAMPLE, ROOT, Ran, run_cli

SAMPLE = ROOT / "examples" / "interactions.jsonl"


def test_quickstart_first_command_passes_the_gate() -> None:
    ran = run_cli("evaluate", "examples/interactions.jsonl", cwd=ROOT)
    assert ran.code == 0, ran.stderr
    assert "Read 38 · scored 38 · rejected 0 · rated 38" in ran.stdout
    assert "Mean score 70.64 · grade C" in ran.stdout
    assert "Gate: PASSED" in ran.stdout


def test_the_sample_with_problems_differs_only_in_its_truncated_line() -> None:
    sample = SAMPLE.read_text("utf-8").splitlines()
    problems = EXAMPLE.read_text("utf-8").splitlines()
    assert len(sample) == len(problems) == 38
    differ = [n for n, (a, b) in enumerate(zip(sample, problems, strict=True), 1) if a != b]
    assert differ == [26]
    assert problems[25].endswith('"events": [')


def test_the_sample_with_problems_fails_the_gate(cli: Callable[..., Ran]) -> None:
    ran = cli("evaluate", EXAMPLE, "-f", "json")
    assert ran.code == 1
    conditions = {c["name"]: c["passed"] for c in ran.json()["gate"]["conditions"]}
    assert conditions == {"min_score": False, "max_rejected": False}


def test_a_byte_order_mark_on_line_one_is_skipped(cli: Callable[..., Ran], tmp_path: Path) -> None:
    log = tmp_path / "excel.jsonl"
    log.write_bytes(b"\xef\xbb\xbf" + SAMPLE.read_bytes())
    ran = cli("evaluate", log, "-f", "json")
    assert ran.code == 0, ran.stderr
    assert ran.json()["summary"]["scored"] == 38
    assert ran.json()["interactions"][0]["id"] == "INT-0001"


def test_a_byte_order_mark_after_line_one_is_still_an_error(
    cli: Callable[..., Ran], tmp_path: Path
) -> None:
    lines = SAMPLE.read_bytes().splitlines(keepends=True)
    log = tmp_path / "joined.jsonl"
    log.write_bytes(lines[0] + b"\xef\xbb\xbf" + lines[1])
    ran = cli("evaluate", log, "-f", "json")
    assert [e["line"] for e in ran.json()["errors"]] == [2]


def _records(count: int) -> list[dict[str, object]]:
    return [json.loads(line) for line in SAMPLE.read_text("utf-8").splitlines()[:count]]


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        (
            "array.json",
            json.dumps(_records(5), indent=2),
            "a JSON array, not JSON Lines (one interaction per line); "
            "convert it with: jq -c '.[]' {log} > {stem}.jsonl",
        ),
        (
            "one-line-array.json",
            json.dumps(_records(5)),
            "a JSON array, not JSON Lines (one interaction per line); "
            "convert it with: jq -c '.[]' {log} > {stem}.jsonl",
        ),
        (
            "pretty.json",
            "\n".join(json.dumps(r, indent=2) for r in _records(3)),
            "pretty-printed JSON (a record spread over several lines), not JSON Lines "
            "(one interaction per line); convert it with: jq -c . {log} > {stem}.jsonl",
        ),
        (
            "table.csv",
            "id,channel,agent\nINT-1,chat,Ann\nINT-2,phone,Bo\n",
            "a table (CSV?) starting 'id,channel,agent', not JSON Lines; turn its rows into "
            "interaction records with: cs-score import csv {log} --mapping MAPPING.yaml "
            "(see docs/mapping.md)",
        ),
    ],
)
def test_a_file_of_the_wrong_shape_is_one_clear_error(
    cli: Callable[..., Ran], tmp_path: Path, name: str, content: str, says: str
) -> None:
    log = tmp_path / name
    log.write_text(content, encoding="utf-8")
    ran = cli("evaluate", log)
    assert (ran.code, ran.stdout) == (2, "")
    stem = str(log).rsplit(".", 1)[0]
    assert ran.stderr == "error: " + f"{log}: " + says.format(log=log, stem=stem) + "\n"


def test_a_wrong_shape_next_to_a_good_log_is_still_an_error(
    cli: Callable[..., Ran], tmp_path: Path
) -> None:
    table = tmp_path / "table.csv"
    table.write_text("id,channel\nINT-1,chat\n", encoding="utf-8")
    ran = cli("evaluate", SAMPLE, table, "-f", "json")
    assert ran.code == 2
    assert ran.json()["summary"]["scored"] == 38
    assert ran.stderr.count("error: ") == 1 and f"error: {table}: a table (CSV?)" in ran.stderr
