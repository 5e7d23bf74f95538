"""`cs-score import` end to end: corpora and help-desk exports in, records out, then scored."""

from __future__ import annotations

import json
import re
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
                "LgwAXtbbEm0mBvDrGmjk": 80.12,
                "Qt4M3sXkR71V9CT9Xr5U": 80.95,
                "6HRUKDArHAEehXB4g1ee": 80.95,
                "eGPmyP8XzT1HWlzAPv2u": 80.95,
                "1eF19rnhJYE6YXeYBwky": 78.6,
            },
        ),
        ("abcd", CORPORA / "abcd" / "abcd-sample.json", {"abcd-3592": 66.67, "abcd-3695": 83.33}),
        ("harper-valley", CORPORA / "harper-valley", {"0002f70f7386445b": 90.48}),
    ],
)
def test_import_then_evaluate_corpus(
    cli: Callable[..., Ran], fmt: str, source: Path, scores: dict[str, float]
) -> None:
    imported = cli("import", fmt, source)
    assert imported.code == 0, imported.stderr
    count = len(scores)
    unit = "call" if fmt == "harper-valley" else "conversation"
    accounting = [f"read {count} {unit}{'' if count == 1 else 's'}: {count} imported, 0 rejected"]
    if fmt == "harper-valley":
        accounting.append(
            "not imported: 1 transcript segment of annotations only (such as [noise])"
        )
    assert imported.stderr.splitlines() == [
        f"imported {count} record{'' if count == 1 else 's'} (0 rejected)",
        *accounting,
    ]
    ran = cli("evaluate", "-", "-r", "social-care", "-f", "json", stdin=imported.stdout.encode())
    doc = ran.json()
    assert (doc["summary"]["read"], doc["summary"]["scored"]) == (count, count)
    assert {i["id"]: i["score"] for i in doc["interactions"]} == scores


@pytest.mark.parametrize(
    ("args", "rejection", "accounting"),
    [
        (
            ("jsonl", EXPORTS / "gorgias-messages.jsonl", "--mapping", "gorgias"),
            "gorgias-messages.jsonl:8: missing conversation id in column ticket_id",
            "read 11 rows: 10 imported, 1 rejected",
        ),
        (
            ("jsonl", EXPORTS / "freshdesk-conversations.jsonl", "--mapping", "freshdesk"),
            "freshdesk-conversations.jsonl:7: "
            "bad timestamp '2024-03-05 25:10:00' in column created_at",
            "read 11 rows: 10 imported, 1 rejected",
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
            "read 11 rows: 10 imported, 1 rejected",
        ),
    ],
)
def test_help_desk_exports_import_with_bad_row_rejected(
    cli: Callable[..., Ran], args: tuple[object, ...], rejection: str, accounting: str
) -> None:
    ran = cli("import", *args)
    assert ran.code == 1
    assert rejection in ran.stderr
    assert ran.stderr.splitlines()[-2:] == ["imported 3 records (1 rejected)", accounting]
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


CCAI = sorted((EXPORTS / "ccai").glob("*.json"))


@pytest.mark.parametrize(
    ("fmt", "inputs", "rules", "accounting", "scores"),
    [
        (
            "zendesk",
            [EXPORTS / "zendesk-tickets.jsonl"],
            "default",
            "read 4 tickets: 3 imported, 1 rejected",
            {"101": 77.78, "102": 50.0, "103": 33.33},
        ),
        (
            "intercom",
            [EXPORTS / "intercom-conversations.jsonl"],
            "default",
            "read 4 conversations: 3 imported, 1 rejected",
            {"215471": 33.33, "215480": 100.0, "215502": 33.33},
        ),
        (
            "freshdesk",
            [EXPORTS / "freshdesk-tickets.jsonl"],
            "default",
            "read 4 tickets: 3 imported, 1 rejected",
            {"20": 66.67, "21": 50.0, "22": 33.33},
        ),
        (
            "amazon-transcribe",
            [EXPORTS / "transcribe-calls.jsonl"],
            "contact-centre",
            "read 4 calls: 3 imported, 1 rejected",
            {"call-0001": 86.97, "call-0002": 30.0, "call-0003": 85.71},
        ),
        (
            "ccai-insights",
            CCAI,
            "contact-centre",
            "read 4 conversations: 3 imported, 1 rejected",
            {"chat-4411": 63.33, "chat-4412": 46.67, "chat-4414": 22.22},
        ),
    ],
)
def test_vendor_exports_import_then_evaluate(
    cli: Callable[..., Ran],
    fmt: str,
    inputs: list[Path],
    rules: str,
    accounting: str,
    scores: dict[str, float],
) -> None:
    imported = cli("import", fmt, *inputs)
    assert imported.code == 1  # each sample has one bad ticket, conversation or call
    lines = imported.stderr.splitlines()
    assert len([line for line in lines if line.startswith("rejected: ")]) == 1
    assert "imported 3 records (1 rejected)" in lines
    assert accounting in lines
    assert "Traceback" not in imported.stderr
    ran = cli("evaluate", "-", "-r", rules, "-f", "json", stdin=imported.stdout.encode())
    doc = ran.json()
    assert (doc["summary"]["read"], doc["summary"]["scored"]) == (3, 3)
    assert {i["id"]: i["score"] for i in doc["interactions"]} == scores


def test_import_list_shows_one_line_per_format(cli: Callable[..., Ran]) -> None:
    ran = cli("import", "--list")
    assert ran.code == 0
    lines = ran.stdout.splitlines()
    assert [line.split()[0] for line in lines] == [
        "zendesk", "intercom", "freshdesk", "amazon-transcribe", "ccai-insights", "csv", "jsonl",
        "twitter-care", "abcd", "harper-valley",
    ]  # fmt: skip
    assert lines[5] == "csv                any CSV export, read through a mapping file (--mapping)"


def test_import_schema_prints_the_mapping_json_schema(cli: Callable[..., Ran]) -> None:
    ran = cli("import", "schema")
    assert ran.code == 0
    schema = json.loads(ran.stdout)
    assert schema["title"] == "cs-score mapping file"
    assert schema["required"] == ["fields"]


def test_import_without_input_says_how_to_list_formats(cli: Callable[..., Ran]) -> None:
    ran = cli("import", "zendesk")
    assert ran.code == 2
    assert "give a FORMAT and at least one INPUT (cs-score import --list shows the formats)" in (
        ran.stderr
    )


def test_a_mapping_file_with_three_mistakes_reports_all_three(
    cli: Callable[..., Ran], tmp_path: Path
) -> None:
    mapping = tmp_path / "map.yaml"
    mapping.write_text(
        "format: csv\n"
        "fields:\n"
        "  id: ticket\n"
        "  at: created\n"
        "  sendr: who\n"
        "  time_format: epoc\n"
        "defaults: {chanel: email}\n"
    )
    ran = cli("import", "csv", EXPORTS / "helpdesk-messages.csv", "--mapping", mapping)
    assert ran.code == 2
    assert ran.stdout == ""
    assert ran.stderr.splitlines() == [
        f"error: {mapping}:5:3: fields.sendr: unknown key `sendr`; did you mean `sender`?",
        f"error: {mapping}:6:3: fields.time_format: expected iso8601, epoch, epoch_ms or a "
        "strptime format such as '%d/%m/%Y %H:%M', got 'epoc'; did you mean `epoch`?",
        f"error: {mapping}:7:12: defaults.chanel: unknown key `chanel`; did you mean `channel`?",
        "3 problems in the mapping file; nothing was imported",
    ]


DOC = ROOT / "docs" / "importing.md"


def _blocks(text: str) -> list[str]:
    return re.findall(r"```[a-z]*\n(.*?)```", text, flags=re.DOTALL)


def test_importing_doc_worked_example_runs_as_written(
    cli: Callable[..., Ran], tmp_path: Path
) -> None:
    section = DOC.read_text().split("### A worked example", 1)[1]
    csv_text, mapping_text, good_run, bad_run = _blocks(section)[:4]
    (tmp_path / "messages.csv").write_text(csv_text)
    (tmp_path / "acme.yaml").write_text(mapping_text)
    good = cli("import", "csv", "messages.csv", "--mapping", "acme.yaml", cwd=tmp_path)
    assert good.code == 0
    assert good_run.splitlines()[1:] == [*good.stdout.splitlines(), *good.stderr.splitlines()]
    broken = (
        mapping_text.replace("  sender: who", "  sendr: who")
        .replace('time_format: "%d/%m/%Y %H:%M"', "time_format: epoc")
        .replace("{channel: email}", "{chanel: email}")
    )
    (tmp_path / "acme.yaml").write_text(broken)
    bad = cli("import", "csv", "messages.csv", "--mapping", "acme.yaml", cwd=tmp_path)
    assert bad.code == 2 and bad.stdout == ""
    assert bad_run.splitlines()[1:] == bad.stderr.splitlines()


def test_importing_doc_holds_each_format_documentation() -> None:
    from cs_score.importers import FORMATS, describe

    text = DOC.read_text()
    for name in FORMATS:
        assert describe(name) in text, f"docs/importing.md: the {name} section is stale"
