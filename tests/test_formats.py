"""Every output format: reviewed golden files, hostile text, and the readers they are for.

Golden files live in tests/golden/. After a deliberate change to an output, regenerate them with
`CS_SCORE_UPDATE_GOLDEN=1 pytest tests/test_formats.py`, then read the diff before committing.
The commands run from the repository root with a relative path, so the files do not depend on
where the repository is checked out.
"""

from __future__ import annotations

import csv
import gzip
import html
import io
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
import xmlschema
from conftest import EXAMPLE, GOLDEN, ROOT, Ran, assert_golden, chat, run_cli

from cs_score import formats
from cs_score.formats import FORMATS, FormatName, FormatOptions
from cs_score.formats.base import json_texts, printable
from cs_score.formats.markdown import md
from cs_score.formats.table import TableFormat
from cs_score.pipeline import RunOptions, evaluate, result_json
from cs_score.report import GateSettings, build_report
from cs_score.ruleset import load_ruleset

JUNIT_XSD = ROOT / "tests" / "fixtures" / "junit-10.xsd"
RELATIVE_EXAMPLE = "examples/with-problems.jsonl"

GOLDEN_CASES: dict[str, tuple[int, tuple[str, ...]]] = {
    "table.txt": (1, ("evaluate", RELATIVE_EXAMPLE, "--group-by", "channel", "--details")),
    "json.json": (1, ("evaluate", RELATIVE_EXAMPLE, "-f", "json", "--group-by", "channel")),
    "jsonl.jsonl": (1, ("evaluate", RELATIVE_EXAMPLE, "-f", "jsonl")),
    "junit.xml": (1, ("evaluate", RELATIVE_EXAMPLE, "-f", "junit")),
    "markdown.md": (
        1,
        ("evaluate", RELATIVE_EXAMPLE, "-f", "markdown", "--group-by", "channel", "--details"),
    ),
    "csv.csv": (1, ("evaluate", RELATIVE_EXAMPLE, "-f", "csv")),
    "html.html": (
        1,
        (
            "evaluate",
            RELATIVE_EXAMPLE,
            "-f",
            "html",
            "--group-by",
            "channel",
            "--html-worst",
            "4",
            "--html-sample",
            "2",
        ),
    ),
}


@pytest.mark.parametrize("name", sorted(GOLDEN_CASES))
def test_golden_output_for_the_example(name: str) -> None:
    code, args = GOLDEN_CASES[name]
    ran = run_cli(*args, cwd=ROOT)
    assert ran.code == code, ran.stderr
    assert_golden(name, ran.stdout)


def test_every_format_name_has_a_format() -> None:
    assert set(FORMATS) == set(FormatName)
    for name in FormatName:
        built = formats.get(name, FormatOptions())
        assert isinstance(built.needs_results, bool)
    with pytest.raises(KeyError, match=r"unknown format 'jsnol'.*did you mean 'jsonl'"):
        formats.get("jsnol", FormatOptions())


def test_unknown_format_on_the_command_line_exits_2(cli: Callable[..., Ran]) -> None:
    ran = cli("evaluate", EXAMPLE, "-f", "yaml")
    assert ran.code == 2
    assert "Invalid value for '--format' / '-f'" in ran.stderr
    assert "'yaml' is not one of 'table', 'json', 'jsonl', 'junit'," in ran.stderr


# ---------------------------------------------------------------------------------------------
# Readers: an XML schema, DuckDB, jq-style line parsing


def test_junit_validates_against_the_jenkins_schema() -> None:
    schema = xmlschema.XMLSchema(JUNIT_XSD)
    document = (GOLDEN / "junit.xml").read_text("utf-8")
    schema.validate(document)
    root = ET.fromstring(document)
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("40", "16", "1")
    example, gate = root.findall("testsuite")
    assert example.get("name") == RELATIVE_EXAMPLE
    cases = example.findall("testcase")
    assert len(cases) == 38
    failed = [c.get("name") for c in cases if c.find("failure") is not None]
    assert len(failed) == 15
    insult = next(c for c in cases if c.get("name") == "INT-0012")
    failure = insult.find("failure")
    assert failure is not None and failure.get("type") == "conduct"
    assert (failure.get("message") or "").startswith("critical: insult “stupid question”")
    rejected = cases[-1]
    assert (rejected.get("name"), rejected.get("classname")) == ("line 26", "rejected")
    error = rejected.find("error")
    assert error is not None
    assert error.get("message") == "not valid JSON (Input data was truncated)"
    assert [c.get("name") for c in gate.findall("testcase")] == ["min_score", "max_rejected"]


def test_junit_suite_per_input_file(cli: Callable[..., Ran], write_log, tmp_path: Path) -> None:
    first = write_log([chat("a", "Hello, it ships today.")], "first.jsonl")
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    broken = write_log(["{oops", chat("b", "It ships today.", wait=300)], "second.jsonl")
    ran = cli("evaluate", first, empty, broken, "-f", "junit")
    xmlschema.XMLSchema(JUNIT_XSD).validate(ran.stdout)
    suites = ET.fromstring(ran.stdout).findall("testsuite")
    summary = [
        (s.get("name"), s.get("tests"), s.get("failures"), s.get("errors"), len(s)) for s in suites
    ]
    assert summary == [
        (str(first), "1", "0", "0", 1),
        (str(empty), "0", "0", "0", 0),
        (str(broken), "2", "1", "1", 2),
        ("gate", "2", "2", "0", 2),
    ]
    failure = suites[2].find("testcase/failure")
    assert failure is not None
    assert failure.get("type") == "wait-time"


def test_csv_loads_into_duckdb_with_no_options() -> None:
    import duckdb  # a heavy import: only the tests that load CSV with it pay for it

    rows = duckdb.sql(f"SELECT * FROM read_csv('{GOLDEN / 'csv.csv'}')")
    assert len(rows.fetchall()) == 37
    types = dict(zip(rows.columns, map(str, rows.types), strict=True))
    assert types == {
        "id": "VARCHAR",
        "file": "VARCHAR",
        "line": "BIGINT",
        "score": "DOUBLE",
        "grade": "VARCHAR",
        "passed": "BOOLEAN",
        "critical_failure": "VARCHAR",
        "agent": "VARCHAR",
        "team": "VARCHAR",
        "channel": "VARCHAR",
        "case": "VARCHAR",
        "wait-time": "DOUBLE",
        "greeting": "DOUBLE",
        "product-quality": "DOUBLE",
        "resolution": "DOUBLE",
        "promises": "DOUBLE",
        "conduct": "DOUBLE",
    }
    by_id = duckdb.sql(
        f'SELECT id, score, passed, critical_failure, "product-quality", promises '
        f"FROM read_csv('{GOLDEN / 'csv.csv'}') WHERE id IN ('INT-0003', 'INT-0012')"
        " ORDER BY id"
    ).fetchall()
    assert by_id == [
        ("INT-0003", 84.09, True, None, None, 1.0),
        ("INT-0012", 0.0, False, "conduct", None, None),
    ]
    mean = duckdb.sql(f"SELECT round(avg(score), 2) FROM read_csv('{GOLDEN / 'csv.csv'}')")
    assert mean.fetchall() == [(70.15,)]


def test_jsonl_from_a_gzipped_log_on_stdin(cli: Callable[..., Ran]) -> None:
    ran = cli("evaluate", "-", "-f", "jsonl", stdin=gzip.compress(EXAMPLE.read_bytes()))
    assert ran.code == 1
    lines = ran.stdout.splitlines()
    assert len(lines) == 37
    results = [json.loads(line) for line in lines]
    document = json.loads((GOLDEN / "json.json").read_text("utf-8"))
    for item in document["interactions"]:
        item["source"]["file"] = "<stdin>"
    assert results == document["interactions"]
    assert "rejected: <stdin>:26: not valid JSON" in ran.stderr


def test_group_by_in_markdown(cli: Callable[..., Ran]) -> None:
    ran = cli("evaluate", EXAMPLE, "-f", "markdown", "--group-by", "team", "--group-by", "day")
    assert "### By team\n\n| team | count | mean score | grade | pass rate | wait-time |" in (
        ran.stdout
    )
    assert "| chat-web | 8 | 68.53 | D | 62.5% | 0.84 | 0.81 | – | 0.53 | 0.00 | 0.88 |" in (
        ran.stdout
    )
    assert "### By day\n" in ran.stdout
    assert "| 2026-03-02 | 2 | 94.44 | A | 100% |" in ran.stdout


def test_table_details_lists_every_interaction() -> None:
    table = (GOLDEN / "table.txt").read_text("utf-8").partition("\nInteractions")[2]
    listed = re.findall(r"^ (INT-\d{4}) +\d+\.\d\d +[A-F] ", table, flags=re.MULTILINE)
    assert len(listed) == 37
    assert listed[0] == "INT-0001" and listed[-1] == "INT-0038"


# ---------------------------------------------------------------------------------------------
# Text from records is text, in every format

HOSTILE = '[bold red]x[/] \x1b[2J <script>&"\' \x00\x07, "q"\nyour own fault'
HOSTILE_ID = "H-1 [b]<i>&\"',|\x1b[1m\n"
HOSTILE_FILE = 'log [b],"q"&<x>.jsonl'
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@pytest.fixture
def hostile_log(write_log) -> Path:
    """A log whose id, agent, team, case and agent message carry markup, escapes and quotes."""
    record = chat(HOSTILE_ID, HOSTILE, agent=HOSTILE, team='t,"q"', case="c\r\nd")
    return Path(write_log([record, chat("ok", "Hello, it ships today."), record], HOSTILE_FILE))


def _hostile_run(cli: Callable[..., Ran], log: Path, *args: str) -> Ran:
    grouped = not {"jsonl", "junit", "csv"} & set(args)  # formats without groups refuse it
    ran = cli("evaluate", log, *(("--group-by", "agent") if grouped else ()), *args)
    assert ran.code == 1, ran.stderr
    return ran


def test_hostile_text_in_table(cli: Callable[..., Ran], hostile_log: Path) -> None:
    out = _hostile_run(cli, hostile_log, "--details").stdout
    assert not CONTROL.search(out)
    # The reason wraps in its cell; each piece is shown literally.
    for piece in ("[bold", "red]x[/]", "\\x1b[2J", "<script>&\"'", "\\x00\\x07,", '"q"\\nyour'):
        assert piece in out
    assert "H-1 [b]<i>&\"',|\\x1b[1m\\n" in out


def test_hostile_text_in_coloured_table(hostile_log: Path) -> None:
    """With colour on, the only escape sequences are the table's own colours."""
    ruleset = load_ruleset(None)
    run = evaluate([str(hostile_log)], ruleset, RunOptions(group_by=("agent",), keep_results=True))
    assert run.results is not None
    report = build_report(run.part, GateSettings.resolve(ruleset), [str(hostile_log)], run.as_of)
    table = TableFormat(FormatOptions(color=True, width=400, details=True))
    out = "".join(table.render(report, run.results))
    run.results.close()
    sequences = set(re.findall(r"\x1b\[[0-9;]*[A-Za-z]", out))
    assert sequences and all(s.endswith("m") for s in sequences)
    assert "\x1b[2J" not in out and "\x1b[1m\\n" not in out and "\x00" not in out
    assert '[bold red]x[/] \\x1b[2J <script>&"\' \\x00\\x07, "q"\\nyour own fault' in out


def test_hostile_text_in_json_and_jsonl(cli: Callable[..., Ran], hostile_log: Path) -> None:
    document = _hostile_run(cli, hostile_log, "-f", "json")
    assert not CONTROL.search(document.stdout)
    doc = document.json()
    item = doc["interactions"][0]
    assert (item["id"], item["agent"], item["case"]) == (HOSTILE_ID, HOSTILE, "c\r\nd")
    assert item["source"]["file"] == str(hostile_log)
    assert HOSTILE in item["rules"]["conduct"]["reason"]
    assert doc["groups"]["agent"][0]["value"] == HOSTILE
    assert doc["errors"][0]["reason"] == f"duplicate id {HOSTILE_ID!r}"
    lines = _hostile_run(cli, hostile_log, "-f", "jsonl").stdout
    assert not CONTROL.search(lines)
    assert [json.loads(line) for line in lines.splitlines()] == doc["interactions"]


def test_hostile_text_in_junit(cli: Callable[..., Ran], hostile_log: Path) -> None:
    out = _hostile_run(cli, hostile_log, "-f", "junit").stdout
    assert not CONTROL.search(out)
    xmlschema.XMLSchema(JUNIT_XSD).validate(out)
    suite = ET.fromstring(out).find("testsuite")
    assert suite is not None and suite.get("name") == str(hostile_log)
    case = suite.find("testcase")
    assert case is not None and case.get("name") == printable(HOSTILE_ID)
    failure = case.find("failure")
    assert failure is not None
    assert failure.get("type") == "conduct"
    assert failure.get("message") == (f"critical: blame “your own fault”: “{printable(HOSTILE)}”")
    assert "[bold red]x[/] \\x1b[2J <script>&\"' \\x00\\x07" in (failure.get("message") or "")
    assert (failure.text or "").startswith(f"{hostile_log}:1: score 0.00 (grade F)")
    error = suite.find("testcase/error")
    assert error is not None
    assert error.get("message") == printable(f"duplicate id {HOSTILE_ID!r}")


def test_hostile_text_in_csv(cli: Callable[..., Ran], hostile_log: Path, tmp_path: Path) -> None:
    import duckdb

    out = _hostile_run(cli, hostile_log, "-f", "csv").stdout
    rows = list(csv.reader(io.StringIO(out, newline="")))
    assert len(rows) == 3
    assert rows[1][:3] == [HOSTILE_ID, str(hostile_log), "1"]
    assert rows[1][7:11] == [HOSTILE, 't,"q"', "chat", "c\r\nd"]
    saved = tmp_path / "report.csv"
    saved.write_bytes(out.encode("utf-8"))
    loaded = duckdb.sql(f"SELECT id, agent, \"case\" FROM read_csv('{saved}')").fetchall()
    assert loaded == [(HOSTILE_ID, HOSTILE, "c\r\nd"), ("ok", "ana", None)]


def test_hostile_text_in_markdown(cli: Callable[..., Ran], hostile_log: Path) -> None:
    out = _hostile_run(cli, hostile_log, "-f", "markdown", "--details").stdout
    assert not CONTROL.search(out)
    assert "<script>" not in out and "[bold red]" not in out
    assert "H-1 \\[b\\]\\<i\\>\\&\"',\\|\\\\x1b\\[1m\\\\n" in out
    escaped = '\\[bold red\\]x\\[/\\] \\\\x1b\\[2J \\<script\\>\\&"\' \\\\x00\\\\x07, "q"\\\\nyour'
    assert escaped in out
    # Every table row keeps its columns: no pipe from a record splits a cell.
    for block in re.findall(r"(?:^\|.*\|\n)+", out, flags=re.MULTILINE):
        rows = block.splitlines()
        widths = {len(re.findall(r"(?<!\\)\|", row)) for row in rows}
        assert len(widths) == 1, rows


class _Tags(HTMLParser):
    """The elements and attribute names of a page, and each attribute's value as read."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attributes: set[str] = set()
        self.values: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        for name, value in attrs:
            self.attributes.add(name)
            self.values.append(value or "")


PAGE_TAGS = set(
    [
        "html",
        "head",
        "meta",
        "title",
        "style",
        "body",
        "header",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "span",
        "p",
        "code",
        "nav",
        "ul",
        "li",
        "a",
        "main",
        "section",
        "dl",
        "div",
        "dt",
        "dd",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "svg",
        "line",
        "rect",
        "text",
        "circle",
        "polyline",
        "b",
        "pre",
        "mark",
        "form",
        "label",
        "input",
        "select",
        "option",
        "output",
        "details",
        "summary",
        "footer",
        "script",
        "button",
    ]
)


def test_hostile_text_in_html(cli: Callable[..., Ran], hostile_log: Path) -> None:
    out = _hostile_run(cli, hostile_log, "-f", "html").stdout
    assert not CONTROL.search(out)
    assert out.count("<script") == 1  # the page's own
    assert "<i>" not in out and "[b]<" not in out
    # Shown as text: escaped for HTML after controls are made visible.
    assert html.escape(printable(HOSTILE_ID)) in out
    assert html.escape(printable(HOSTILE)) in out
    assert "&lt;script&gt;&amp;&quot;&#x27; \\x00\\x07" in out
    # Within the evidence, the matched phrase is marked and the rest stays text.
    assert "<mark>your own fault</mark>" in out
    tags = _Tags()
    tags.feed(out)
    assert tags.tags <= PAGE_TAGS, tags.tags - PAGE_TAGS
    assert not {a for a in tags.attributes if a.startswith("on")} - {"onsubmit"}
    assert printable(HOSTILE) in tags.values  # the agent's name, as the filter reads it
    assert not any(v.lower().startswith("javascript:") for v in tags.values)


def test_csv_rule_column_named_like_a_fixed_column(
    cli: Callable[..., Ran], write_log, write_rules
) -> None:
    rules = write_rules("cs_score: 1\nrules:\n  - {id: score, kind: greeting}\n")
    ran = cli("evaluate", write_log([chat("a", "Hello")]), "-r", rules, "-f", "csv")
    assert ran.stdout.splitlines()[0].endswith(",channel,case,rule:score")
    assert ran.stdout.splitlines()[1].startswith("a,")
    assert ran.stdout.splitlines()[1].endswith(",ana,,chat,,1.0")


def test_printable_keeps_text_and_shows_controls() -> None:
    assert (
        printable("Grüße, ça va ? 👨‍👩‍👧 «\u00a0oui\u202f»")
        == "Grüße, ça va ? 👨‍👩‍👧 «\u00a0oui\u202f»"
    )
    assert (
        printable("a\x1b[2Jb\x00\n\t\u202e\u2028\x9b") == "a\\x1b[2Jb\\x00\\n\\t\\u202e\\u2028\\x9b"
    )
    assert printable(None) == ""


def test_markdown_escapes_active_characters() -> None:
    assert md("a|b *c* _d_ `e` [f](g) <h> &i; #1 @j !k ~l $m \\") == (
        "a\\|b \\*c\\* \\_d\\_ \\`e\\` \\[f\\](g) \\<h\\> \\&i; \\#1 \\@j \\!k \\~l \\$m \\\\"
    )


def test_stored_results_are_written_as_the_formats_would_write_their_dicts() -> None:
    # What a run stores for each result is the line the json and jsonl outputs write: the
    # same text as json.dumps of the dict the store gives back, so they copy it unchanged.
    ruleset = load_ruleset(None)
    run = evaluate([str(EXAMPLE)], ruleset, RunOptions(keep_results=True))
    assert run.results is not None
    texts = list(run.results.json_texts())
    dicts = list(run.results)
    run.close()
    assert len(texts) == len(dicts) == 37
    assert texts == [json.dumps(d, ensure_ascii=False, separators=(",", ":")) for d in dicts]
    assert list(json_texts(iter(dicts))) == texts  # results without the text: encoded here


def test_a_value_json_has_no_word_for_is_written_as_before() -> None:
    at = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    data = {"score": float("nan"), "evidence": {"at": at, "ratio": float("inf")}}
    assert (
        result_json(data) == '{"score":null,"evidence":{"at":"2026-03-01T09:30:00Z","ratio":null}}'
    )
    # U+2028 is escaped, so that a reader that splits lines with str.splitlines() keeps the line.
    assert result_json({"text": "café\n\u2028"}) == '{"text":"café\\n\\u2028"}'
