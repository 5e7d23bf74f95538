"""Hostile and broken input: nothing crashes, hangs or is lost."""

from __future__ import annotations

import functools
import gzip
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, Ran, wait_for_workers
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cs_score.errors import InputError
from cs_score.pipeline import RunOptions, evaluate
from cs_score.ruleset import load_ruleset

sys.path.insert(0, str(ROOT / "benchmarks"))
from generate import generate

GOOD = {"id": "ok", "channel": "chat", "events": [{"from": "agent", "text": "Hello"}]}


def _line(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False)


REJECTED_LINES: list[tuple[str, bytes, str]] = [
    ("not JSON", b"hello there", "not valid JSON (invalid character (byte 0))"),
    ("truncated", b'{"id": "t", "events": [', "not valid JSON (Input data was truncated)"),
    ("not an object", b"[1, 2, 3]", "not a JSON object"),
    ("a string", b'"just text"', "not a JSON object"),
    ("missing id", b'{"channel": "chat"}', "missing required field 'id'"),
    ("numeric id", b'{"id": 7}', "bad field id: Expected `str`, got `int`"),
    ("empty id", b'{"id": ""}', "empty 'id'"),
    ("invalid UTF-8", b'{"id": "caf\xe9"}', "not valid UTF-8"),
    ("invalid UTF-8, unknown field", b'{"id": "c", "note": "caf\xe9"}', "not valid UTF-8"),
    ("invalid UTF-8, timestamp", b'{"id": "c", "started_at": "\xff"}', "not valid UTF-8"),
    ("UTF-8 of a surrogate", b'{"id": "c", "x": {"y": ["\xed\xa0\x80"]}}', "not valid UTF-8"),
    ("UTF-8 of a surrogate, known field", b'{"id": "\xed\xa0\x80"}', "not valid UTF-8"),
    (
        "invalid UTF-8 in a message",
        b'{"id": "c", "events": [{"from": "agent", "text": "caf\xc3"}]}',
        "not valid UTF-8",
    ),
    (
        "nested too deep, known field",
        b'{"id": "c", "tags": ' + b"[" * 70 + b"]" * 70 + b"}",
        "JSON nested deeper than 64 levels",
    ),
    ("bad timestamp", b'{"id": "b", "started_at": "yesterday"}', "bad timestamp in started_at"),
    (
        "impossible timestamp",
        b'{"id": "b", "started_at": "2026-02-30T10:00:00Z"}',
        "bad timestamp in started_at",
    ),
    (
        "bad event timestamp",
        b'{"id": "b", "events": [{"at": "2026-13-01T00:00:00Z"}]}',
        "bad timestamp in events[0].at",
    ),
    (
        "answered before started",
        b'{"id": "a", "started_at": "2026-03-02T10:05:00Z", "answered_at": "2026-03-02T10:00:00Z"}',
        "answered_at is before started_at",
    ),
    (
        "NaN",
        b'{"id": "n", "product": {"cost": NaN}}',
        "not valid JSON (NaN and Infinity are not JSON numbers)",
    ),
    (
        "Infinity",
        b'{"id": "n", "product": {"cost": -Infinity}}',
        "not valid JSON (NaN and Infinity are not JSON numbers)",
    ),
    (
        "huge number",
        b'{"id": "n", "product": {"cost": 1e999}}',
        "bad field product.cost: Number out of range",
    ),
    (
        "events not a list",
        b'{"id": "e", "events": "none"}',
        "bad field events: Expected `array`, got `str`",
    ),
    (
        "unknown speaker",
        b'{"id": "e", "events": [{"from": "robot"}]}',
        "bad field events[0].from: Invalid enum value 'robot'",
    ),
    (
        "csat out of range",
        b'{"id": "s", "survey": {"csat": 9}}',
        "bad field survey.csat: Expected `int` <= 5",
    ),
    (
        "deep nesting",
        b'{"id": "d", "x": ' + b"[" * 65 + b"]" * 65 + b"}",
        "JSON nested deeper than 64 levels",
    ),
    (
        "very deep nesting",
        b'{"id": "d", "x": ' + b"[" * 200_000 + b"]" * 200_000 + b"}",
        "JSON nested deeper than 64 levels",
    ),
]


@pytest.mark.parametrize(
    ("data", "reason"),
    [(d, r) for _, d, r in REJECTED_LINES],
    ids=[n for n, _, _ in REJECTED_LINES],
)
def test_line_rejected_with_reason_others_scored(
    cli: Callable[..., Ran], tmp_path: Path, data: bytes, reason: str
) -> None:
    log = tmp_path / "log.jsonl"
    log.write_bytes(b"\n".join([_line(GOOD).encode(), data, _line({**GOOD, "id": "ok2"}).encode()]))
    ran = cli("evaluate", log, "-f", "json")
    assert ran.code == 1
    doc = ran.json()
    assert doc["errors"] == [{"file": str(log), "line": 2, "reason": reason}]
    assert (doc["summary"]["read"], doc["summary"]["scored"], doc["summary"]["rejected"]) == (
        3,
        2,
        1,
    )
    assert f"rejected: {log}:2: {reason}" in ran.stderr


def test_nesting_inside_strings_is_not_nesting(write_log, cli: Callable[..., Ran]) -> None:
    text = "[" * 100 + '\\"{' * 50
    ran = cli(
        "evaluate", write_log([{**GOOD, "events": [{"from": "agent", "text": text}]}]), "-f", "json"
    )
    assert ran.json()["summary"]["scored"] == 1


def test_unknown_fields_are_kept_out_of_the_way(write_log, cli: Callable[..., Ran]) -> None:
    record = {
        **GOOD,
        "mood": {"deep": [1, {"x": None}]},
        "events": [{"from": "agent", "text": "Hello", "emoji": "🙂"}],
    }
    assert cli("evaluate", write_log([record]), "-f", "json").json()["summary"]["scored"] == 1


def test_long_line_rejected_with_settable_limit(tmp_path: Path, cli: Callable[..., Ran]) -> None:
    log = tmp_path / "long.jsonl"
    padded = {**GOOD, "id": "long", "note": "x" * 5000}
    log.write_text("\n".join([_line(GOOD), _line(padded)]) + "\n")
    ran = cli("evaluate", log, "--max-line-bytes", "1000", "-f", "json")
    assert ran.json()["errors"] == [
        {"file": str(log), "line": 2, "reason": "line longer than 1,000 bytes"}
    ]
    assert cli("evaluate", log, "-f", "json").json()["summary"]["scored"] == 2


def test_events_out_of_order_are_sorted_and_counted(write_log, cli: Callable[..., Ran]) -> None:
    record = {
        "id": "o",
        "started_at": "2026-03-02T10:00:00Z",
        "events": [
            {"at": "2026-03-02T10:02:00Z", "from": "agent", "text": "Anything else?"},
            {"at": "2026-03-02T10:00:30Z", "from": "agent", "text": "Hello!"},
        ],
    }
    doc = cli("evaluate", write_log([record]), "-f", "json").json()
    assert doc["summary"]["events_reordered"] == 1
    interaction = doc["interactions"][0]
    assert interaction["rules"]["greeting"]["status"] == "pass"
    assert interaction["rules"]["wait-time"]["evidence"]["wait_seconds"] == 30.0
    assert "1 interaction(s) had events out of time order; they were sorted" in doc["notes"]


# --- whole-file faults ---------------------------------------------------------------------


def test_missing_file_and_directory(cli: Callable[..., Ran], tmp_path: Path) -> None:
    missing = cli("evaluate", tmp_path / "none.jsonl")
    assert (missing.code, missing.stdout) == (2, "")
    assert missing.stderr == f"error: {tmp_path / 'none.jsonl'}: no such file\n"
    folder = cli("evaluate", tmp_path)
    assert folder.code == 2
    assert folder.stderr == f"error: {tmp_path}: is a directory, not a log file\n"


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any file")
def test_permission_denied(cli: Callable[..., Ran], tmp_path: Path) -> None:
    log = tmp_path / "secret.jsonl"
    log.write_text(_line(GOOD) + "\n")
    log.chmod(0)
    ran = cli("evaluate", log)
    assert ran.code == 2 and ran.stderr == f"error: {log}: permission denied\n"


def test_binary_garbage(cli: Callable[..., Ran], tmp_path: Path) -> None:
    log = tmp_path / "garbage.jsonl"
    log.write_bytes(bytes(range(256)) * 40)
    ran = cli("evaluate", log)
    assert (ran.code, ran.stdout) == (2, "")
    assert ran.stderr == f"error: {log}: binary data, not JSON Lines text\n"


def test_empty_file_is_an_error_not_a_report_of_zeros(
    cli: Callable[..., Ran], tmp_path: Path
) -> None:
    log = tmp_path / "empty.jsonl"
    log.write_bytes(b"\n  \n")
    ran = cli("evaluate", log, "-f", "json")
    assert (ran.code, ran.stdout) == (2, "")
    assert ran.stderr == f"error: {log}: no interaction records (the input is empty)\n"


@pytest.mark.parametrize("damage", ["truncated", "corrupt"])
def test_damaged_gzip_reports_what_was_read(
    cli: Callable[..., Ran], tmp_path: Path, damage: str
) -> None:
    lines = list(generate(3000, seed=3, bad_every=0))
    packed = gzip.compress(("\n".join(lines) + "\n").encode(), compresslevel=1)
    log = tmp_path / "log.jsonl.gz"
    if damage == "truncated":
        log.write_bytes(packed[: len(packed) // 2])
    else:
        broken = bytearray(packed)
        broken[len(packed) // 2 : len(packed) // 2 + 16] = b"\xff" * 16
        log.write_bytes(bytes(broken))
    ran = cli("evaluate", log, "-f", "json")
    assert ran.code == 2
    doc = ran.json()
    assert 0 < doc["summary"]["read"] < 3000
    assert doc["summary"]["read"] == doc["summary"]["scored"] + doc["summary"]["rejected"]
    assert f"error: {log}: damaged gzip data after line {doc['summary']['read']}" in ran.stderr
    assert "Traceback" not in ran.stderr


# --- rule-set faults -------------------------------------------------------------------------


BILLION_LAUGHS = "\n".join(
    ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    + [
        f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 9) + "]"
        for i in range(9)
    ]
)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            BILLION_LAUGHS,
            "too many values (over 100,000); aliases that expand exponentially are refused",
        ),
        ("rules: " + "[" * 5000 + "]" * 5000, "nested"),
        ("rules: [\n  - {id: a, kind: conduct\n", "not valid YAML"),
        (
            "cs_score: 1\nname: a\nname: b\n",
            "rules.yaml:3:1: name: duplicate key (first defined at line 2)",
        ),
        ("just a sentence", "a rules file must be a mapping of keys"),
    ],
    ids=["billion laughs", "deep nesting", "not YAML", "duplicate key", "not a mapping"],
)
def test_rule_set_faults(
    cli: Callable[..., Ran], write_rules, write_log, text: str, message: str
) -> None:
    started = time.monotonic()
    ran = cli("evaluate", write_log([GOOD]), "-r", write_rules(text))
    assert ran.code == 2
    assert message in ran.stderr
    assert str(write_rules.__name__) and "Traceback" not in ran.stderr
    assert time.monotonic() - started < 60


def test_extends_cycle(cli: Callable[..., Ran], write_rules, write_log) -> None:
    write_rules("cs_score: 1\nextends: b.yaml\n", "a.yaml")
    write_rules("cs_score: 1\nextends: a.yaml\n", "b.yaml")
    ran = cli("evaluate", write_log([GOOD]), "-r", write_rules("cs_score: 1\nextends: a.yaml\n"))
    assert ran.code == 2
    assert "`extends` forms a cycle:" in ran.stderr and "a.yaml → " in ran.stderr


# --- the process -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def big_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big") / "big.jsonl"
    path.write_text("\n".join(generate(30000, seed=5)) + "\n")
    return path


@pytest.mark.slow
def test_output_piped_into_head_closes_quietly(big_log: Path) -> None:
    shell = f"{sys.executable} -m cs_score evaluate {big_log} -f json | head -n 3"
    done = subprocess.run(
        ["bash", "-c", f"set -o pipefail; {shell}"], capture_output=True, text=True, cwd=ROOT
    )
    assert done.stdout.splitlines()[0] == "{"
    assert "Traceback" not in done.stderr and "Broken pipe" not in done.stderr
    assert done.returncode == 141


@pytest.mark.slow
def test_ctrl_c_exits_130_without_traceback(big_log: Path, tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "cs_score", "evaluate", "-", "--jobs", "2", "-o", str(target)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        start_new_session=True,
        # Ctrl-C reaches a command run from a terminal; a job started in the background of a
        # script inherits SIGINT ignored, so undo that here.
        preexec_fn=functools.partial(signal.signal, signal.SIGINT, signal.SIG_DFL),
    )
    # The log comes down a pipe that stays open, so the run cannot end before the interrupt
    # however fast it scores: it is scoring, or waiting for more lines.
    assert process.stdin is not None
    process.stdin.write(big_log.read_bytes())
    process.stdin.flush()
    wait_for_workers(process.pid)
    time.sleep(0.3)
    os.killpg(process.pid, signal.SIGINT)  # as a terminal's Ctrl-C: the whole process group
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr.decode()
    assert b"Traceback" not in stderr
    assert not target.exists()
    assert [p.name for p in tmp_path.iterdir()] == []


def test_unwritable_output_fails_before_scoring(
    cli: Callable[..., Ran], write_log, tmp_path: Path
) -> None:
    target = tmp_path / "missing-folder" / "report.json"
    ran = cli("evaluate", write_log([GOOD]), "-o", target)
    assert ran.code == 2
    assert ran.stderr == f"error: -o {target}: folder {target.parent} does not exist\n"
    assert not target.parent.exists()


@pytest.mark.slow
def test_pathological_line_in_a_200_mb_log_runs_in_bounded_memory(tmp_path: Path) -> None:
    log = tmp_path / "huge.jsonl"
    with log.open("wb") as out:
        out.write((_line(GOOD) + "\n").encode())
        out.write(b'{"id": "huge", "x": "')
        block = b"y" * (1 << 20)
        for _ in range(200):
            out.write(block)
        out.write(b'"}\n')
        out.write((_line({**GOOD, "id": "after"}) + "\n").encode())
    # The child reports its own peak (VmHWM counts only its own memory, not what a fork shared).
    program = (
        "import sys\n"
        "from cs_score.cli import main\n"
        "try:\n"
        "    main()\n"
        "finally:\n"
        "    peak = [l for l in open('/proc/self/status') if l.startswith('VmHWM')]\n"
        "    sys.stderr.write(peak[0] if peak else 'VmHWM: 0 kB')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program, "evaluate", str(log), "-f", "json"],
        capture_output=True,
        cwd=ROOT,
        timeout=300,
    )
    doc = json.loads(done.stdout)
    assert doc["errors"] == [
        {"file": str(log), "line": 2, "reason": "line longer than 16,777,216 bytes"}
    ]
    assert doc["summary"]["scored"] == 2
    peak_kb = int(done.stderr.decode().rsplit("VmHWM:", 1)[1].split()[0])
    assert 0 < peak_kb < 150 * 1024, f"peak RSS {peak_kb / 1024:.0f} MB"


# --- properties ------------------------------------------------------------------------------

RULESET = load_ruleset(None)
texts = st.text(alphabet=st.characters(codec="utf-8"), max_size=40)
timestamps = st.one_of(
    st.datetimes(timezones=st.timezones() | st.none()).map(lambda d: d.isoformat()),
    texts,
)
events = st.fixed_dictionaries(
    {},
    optional={
        "at": timestamps,
        "from": st.sampled_from(["customer", "agent", "bot", "system", "robot"]),
        "text": texts,
        "type": st.sampled_from(["message", "action", "note"]),
        "action": st.sampled_from(["apologize", "fix", "escalate", "x"]),
        "fulfills": st.sampled_from(["p1", "p2", "p3"]),
    },
)
records = st.fixed_dictionaries(
    {"id": st.text(max_size=3)},
    optional={
        "channel": st.sampled_from(["chat", "phone", "email", "store"]),
        "started_at": timestamps,
        "answered_at": timestamps,
        "events": st.lists(events, max_size=6),
        "greeted": st.booleans(),
        "product": st.fixed_dictionaries(
            {},
            optional={"defective": st.booleans(), "returned": st.booleans(), "cost": st.floats()},
        ),
        "resolution": st.fixed_dictionaries(
            {},
            optional={
                "status": st.sampled_from(["resolved", "unresolved", "escalated", "pending"]),
                "steps": st.lists(st.sampled_from(["identify", "apologize", "fix", "offer"])),
            },
        ),
        "promises": st.lists(
            st.fixed_dictionaries(
                {"id": st.sampled_from(["p1", "p2", "p3"]), "due": timestamps},
                optional={"kept_at": timestamps, "notified_at": timestamps},
            ),
            max_size=2,
        ),
    },
)
lines = st.one_of(
    records.map(lambda r: json.dumps(r).encode()),
    st.binary(max_size=60).filter(lambda b: b"\n" not in b and b"\r" not in b and b"\x00" not in b),
)


@pytest.mark.slow
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(lines, max_size=12))
def test_every_line_is_scored_or_rejected(tmp_path: Path, body: list[bytes]) -> None:
    log = tmp_path / "prop.jsonl"
    log.write_bytes(b"\n".join(body) + b"\n")
    try:
        run = evaluate([str(log)], RULESET, RunOptions(keep_results=True, batch_lines=5))
    except InputError:
        return  # a whole-file fault, reported as such
    if run.faults and run.part.read == 0:
        return  # starts like gzip but is not: a damaged .gz, reported as a whole-file fault
    expected = sum(1 for line in body if line.strip())
    assert run.part.read == run.part.scored + len(run.part.rejections) == expected
    assert run.results is not None
    for result in run.results:
        assert result["score"] is None or 0 <= result["score"] <= 100
        for rule in result["rules"].values():
            assert rule["credit"] is None or 0 <= rule["credit"] <= 1
    run.results.close()


@pytest.mark.parametrize("form", ["json", "jsonl", "csv", "junit", "markdown", "table"])
def test_a_file_name_that_is_not_utf8_is_shown_escaped(
    cli: Callable[..., Ran], tmp_path: Path, form: str
) -> None:
    raw_name = os.fsencode(tmp_path) + b"/caf\xe9.jsonl"  # Latin-1 é: not UTF-8
    try:
        with open(raw_name, "wb") as log:
            log.write(json.dumps(GOOD).encode() + b"\n{broken\n")
    except OSError:  # file systems that take only UTF-8 names
        pytest.skip("this file system refuses names that are not UTF-8")
    ran = cli("evaluate", os.fsdecode(raw_name), "-f", form)
    assert ran.code == 1, ran.stderr  # the broken line fails the gate
    assert "Traceback" not in ran.stderr
    shown = f"{tmp_path}/caf\\udce9.jsonl"
    assert f"rejected: {shown}:2: not valid JSON" in ran.stderr
    if form == "json":
        document = ran.json()
        assert document["inputs"] == [shown]
        assert document["interactions"][0]["source"] == {"file": shown, "line": 1}
        assert document["errors"][0]["file"] == shown
