"""`cs-score import` end to end: corpora and help-desk exports in, records out, then scored."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import ROOT, Ran

CORPORA = ROOT / "tests" / "fixtures" / "corpora"
EXPORTS = ROOT / "examples" / "exports"


@pytest.mark.parametrize(
    ("fmt", "source", "scores"),
    [
        (
            "twitter-care",
            CORPORA / "twitter-care" / "dev-sample.json",
            {
                "LgwAXtbbEm0mBvDrGmjk": 98.83,
                "Qt4M3sXkR71V9CT9Xr5U": 100.0,
                "6HRUKDArHAEehXB4g1ee": 100.0,
                "eGPmyP8XzT1HWlzAPv2u": 100.0,
                "1eF19rnhJYE6YXeYBwky": 96.7,
            },
        ),
        ("abcd", CORPORA / "abcd" / "abcd-sample.json", {"abcd-3592": 58.33, "abcd-3695": 83.33}),
        ("harper-valley", CORPORA / "harper-valley", {"0002f70f7386445b": 80.95}),
    ],
)
def test_import_then_evaluate_corpus(
    cli: Callable[..., Ran], fmt: str, source: Path, scores: dict[str, float]
) -> None:
    imported = cli("import", fmt, source)
    assert imported.code == 0, imported.stderr
    count = len(scores)
    assert (
        imported.stderr.strip()
        == f"imported {count} record{'' if count == 1 else 's'} (0 rejected)"
    )
    ran = cli("evaluate", "-", "-r", "social-care", "-f", "json", stdin=imported.stdout.encode())
    doc = ran.json()
    assert (doc["summary"]["read"], doc["summary"]["scored"]) == (count, count)
    assert {i["id"]: i["score"] for i in doc["interactions"]} == scores


@pytest.mark.parametrize(
    ("args", "rejection"),
    [
        (
            ("jsonl", EXPORTS / "gorgias-messages.jsonl", "--mapping", "gorgias"),
            "gorgias-messages.jsonl:8: missing conversation id in column ticket_id",
        ),
        (
            ("jsonl", EXPORTS / "freshdesk-conversations.jsonl", "--mapping", "freshdesk"),
            "freshdesk-conversations.jsonl:7: "
            "bad timestamp '2024-03-05 25:10:00' in column created_at",
        ),
        (
            (
                "csv",
                EXPORTS / "helpdesk-messages.csv",
                "--mapping",
                EXPORTS / "helpdesk-messages.yaml",
            ),
            "helpdesk-messages.csv:9: unknown sender role 'robot' "
            "(known: end-user, customer, agent, admin, bot, system)",
        ),
    ],
)
def test_help_desk_exports_import_with_bad_row_rejected(
    cli: Callable[..., Ran], args: tuple[object, ...], rejection: str
) -> None:
    ran = cli("import", *args)
    assert ran.code == 1
    assert rejection in ran.stderr
    assert "imported 3 records (1 rejected)" in ran.stderr
    assert "Traceback" not in ran.stderr
    records = [json.loads(line) for line in ran.stdout.splitlines()]
    assert len(records) == 3
    scored = cli("evaluate", "-", "-f", "json", stdin=ran.stdout.encode()).json()
    assert scored["summary"]["scored"] == 3


def test_unknown_format_suggests(cli: Callable[..., Ran], tmp_path: Path) -> None:
    ran = cli("import", "twiter-care", tmp_path / "x.json")
    assert ran.code == 2
    assert "unknown import format 'twiter-care' (did you mean 'twitter-care'?)" in ran.stderr


def test_import_output_file(cli: Callable[..., Ran], tmp_path: Path) -> None:
    target = tmp_path / "records.jsonl"
    ran = cli("import", "abcd", CORPORA / "abcd" / "abcd-sample.json", "-o", target)
    assert ran.code == 0 and ran.stdout == ""
    assert [json.loads(line)["id"] for line in target.read_text().splitlines()] == [
        "abcd-3592",
        "abcd-3695",
    ]
