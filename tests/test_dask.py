"""Scoring on a real Dask cluster gives the report of `cs-score evaluate --jobs 1`, byte for byte.

A local cluster of two worker processes (127.0.0.1, no dashboard) scores one generated log
split into three files, the middle one gzipped: promises made in one file are kept in a later
one, and a later file repeats an id of the first.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import dask
import dask.bag
import pytest
from conftest import EXAMPLE, ROOT, Ran
from distributed import Client, LocalCluster

import cs_score
from cs_score import dask as on_dask

sys.path.insert(0, str(ROOT / "benchmarks"))
from generate import generate

RULES = cs_score.load_ruleset()

pytestmark = pytest.mark.slow  # a cluster of worker processes: .ci/run runs these


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    with (
        LocalCluster(
            n_workers=2,
            processes=True,
            threads_per_worker=1,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as connected,
    ):
        yield connected


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """6,000 generated lines in three files; the third repeats an id from the first."""
    folder = tmp_path_factory.mktemp("split")
    lines = list(generate(6000, seed=7, bad_every=997))
    chunks = [lines[:2000], lines[2000:4000], [*lines[4000:], lines[4]]]
    paths = [folder / "day1.jsonl", folder / "day2.jsonl.gz", folder / "day3.jsonl"]
    for path, chunk in zip(paths, chunks, strict=True):
        data = ("\n".join(chunk) + "\n").encode("utf-8")
        path.write_bytes(gzip.compress(data, mtime=0) if path.suffix == ".gz" else data)
    return paths


def _lines(path: Path) -> list[str]:
    data = path.read_bytes()
    return (gzip.decompress(data) if path.suffix == ".gz" else data).decode("utf-8").splitlines()


def _kept_in_a_later_file(logs: list[Path]) -> dict[str, datetime]:
    """Promises made in one file and kept (`fulfills`) in a later one, with when they were kept."""
    made_in: dict[str, int] = {}
    kept: dict[str, datetime] = {}
    for index, path in enumerate(logs):
        for line in _lines(path):
            try:
                record: Any = json.loads(line)
            except ValueError:
                continue
            if not isinstance(record, dict):
                continue
            for event in record.get("events", []):
                promise_id = event.get("fulfills")
                if promise_id in made_in and made_in[promise_id] < index:
                    at = datetime.fromisoformat(event["at"])
                    kept[promise_id] = min(at, kept.get(promise_id, at))
            for promise in record.get("promises", []):
                made_in.setdefault(promise["id"], index)
    return kept


def test_the_split_log_keeps_promises_across_files(logs: list[Path]) -> None:
    assert len(_kept_in_a_later_file(logs)) >= 3


def test_dask_report_is_identical_to_jobs_1(
    client: Client, logs: list[Path], cli: Callable[..., Ran]
) -> None:
    names = [str(path) for path in logs]
    one = cli("evaluate", *names, "--jobs", "1", "-f", "json", "--group-by", "agent")
    run = on_dask.evaluate(names, RULES, group_by=["agent"], split_every=2)
    report = run.report(inputs=names)
    assert run.results is not None
    document = cs_score.render(report, run.results, "json")
    run.close()
    assert document == one.stdout
    parsed = json.loads(document)
    assert parsed["errors"][-1] == {
        "file": names[2],
        "line": 2001,
        "reason": "duplicate id 'I0000005'",
    }
    assert parsed["summary"]["read"] == 6001 and parsed["summary"]["rejected"] == 7
    credited = {
        promise["id"]: datetime.fromisoformat(promise["kept_at"])
        for item in parsed["interactions"]
        for promise in item["rules"]["promises"]["evidence"].get("promises", [])
        if promise["kept_at"] is not None
    }
    across = _kept_in_a_later_file(logs)
    assert {promise_id: credited.get(promise_id) for promise_id in across} == across


@pytest.mark.parametrize(
    ("inputs", "form"),
    # markdown lists no interactions, only the lowest scores with their reasons: the
    # example's lowest include interactions held for their promises, scored at the end
    [("logs", "json"), ("logs", "markdown"), ("example", "markdown")],
)
def test_cli_on_an_existing_scheduler(
    client: Client, logs: list[Path], cli: Callable[..., Ran], inputs: str, form: str
) -> None:
    names = [str(path) for path in logs] if inputs == "logs" else [EXAMPLE]
    one = cli("evaluate", *names, "--jobs", "1", "-f", form)
    address = client.scheduler.address
    ran = cli("evaluate", *names, "--engine", "dask", "--scheduler", address, "-f", form)
    assert (ran.code, one.code) == (1, 1)
    assert ran.stdout == one.stdout
    assert ran.stderr == one.stderr


def test_a_bag_of_lines_scores_as_one_stream(client: Client, logs: list[Path]) -> None:
    lines = [line for path in logs for line in _lines(path)]
    # A repeat within partition 0, and a copy of a partition 1 line placed before the original:
    # the original, later in input order, is the one rejected.
    lines[1499:1499] = [lines[20], lines[1600]]
    bag = dask.bag.from_sequence(lines, partition_size=1500)  # the last one holds line 6003
    run = on_dask.evaluate(bag, RULES, keep_results=False, split_every=2)
    scored = list(cs_score.score_records(lines, RULES))
    expected = cs_score.build_report(cs_score.fold(scored, RULES))
    report = run.report()
    assert report.summary == expected.summary
    assert report.rules_summary == expected.rules_summary
    assert [(w["id"], w["score"]) for w in report.worst] == [
        (w["id"], w["score"]) for w in expected.worst
    ]
    repeats = [error for error in report.errors if error["reason"].startswith("duplicate")]
    assert repeats == [
        {"file": "<bag>[0]", "line": 1500, "reason": "duplicate id 'I0000021'"},
        {"file": "<bag>[1]", "line": 103, "reason": "duplicate id 'I0001601'"},
        {"file": "<bag>[4]", "line": 3, "reason": "duplicate id 'I0000005'"},
    ]


def test_cli_starts_a_local_cluster(cli: Callable[..., Ran]) -> None:
    one = cli("evaluate", EXAMPLE, "--jobs", "1", "-f", "json")
    ran = cli("evaluate", EXAMPLE, "--engine", "dask", "-f", "json", "--jobs", "2")
    assert ran.code == one.code == 1
    assert ran.stdout == one.stdout


def test_globs_are_expanded_in_order(logs: list[Path]) -> None:
    folder = logs[0].parent
    files = on_dask.expand_paths([str(folder / "day*.jsonl*")])
    assert [Path(file.name).name for file in files] == ["day1.jsonl", "day2.jsonl.gz", "day3.jsonl"]
    with pytest.raises(cs_score.InputError, match=r"nothing\*\.jsonl: no file matches"):
        on_dask.expand_paths([str(folder / "nothing*.jsonl")])


def test_engine_errors_exit_2_before_scoring(cli: Callable[..., Ran], tmp_path: Path) -> None:
    missing = cli("evaluate", tmp_path / "nope.jsonl", "--engine", "dask")
    assert (missing.code, missing.stderr) == (
        2,
        f"error: {tmp_path / 'nope.jsonl'}: no such file\n",
    )
    stdin = cli("evaluate", "-", "--engine", "dask")
    assert stdin.code == 2
    assert "standard input cannot be scored on Dask" in stdin.stderr
    lonely = cli("evaluate", EXAMPLE, "--scheduler", "tcp://127.0.0.1:1")
    assert (lonely.code, lonely.stderr) == (2, "error: --scheduler: needs --engine dask\n")


def test_without_dask_the_engine_says_how_to_install_it(tmp_path: Path) -> None:
    hidden = tmp_path / "hide"
    (hidden / "dask").mkdir(parents=True)
    (hidden / "dask" / "__init__.py").write_text("raise ImportError('No module named dask')\n")
    env = {**os.environ, "PYTHONPATH": str(hidden), "NO_COLOR": "1"}
    done = subprocess.run(
        [sys.executable, "-P", "-m", "cs_score", "evaluate", str(EXAMPLE), "--engine", "dask"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr == "error: --engine dask needs Dask: pip install 'cs-score[dask]'\n"
    assert done.stdout == ""


def test_without_a_cluster_dasks_own_scheduler_gives_the_same_report(
    logs: list[Path], cli: Callable[..., Ran]
) -> None:
    names = [str(path) for path in logs]
    one = cli("evaluate", *names, "--jobs", "1", "-f", "json")
    with dask.config.set(scheduler="sync"):
        run = on_dask.evaluate(names, RULES)
    assert run.results is not None
    assert cs_score.render(run.report(inputs=names), run.results, "json") == one.stdout
    run.close()


def test_a_file_name_that_is_not_utf8_is_shown_as_on_one_machine(
    client: Client, cli: Callable[..., Ran], tmp_path: Path
) -> None:
    raw_name = os.fsencode(tmp_path) + b"/caf\xe9.jsonl"  # Latin-1 é: not UTF-8
    try:
        with open(raw_name, "wb") as log:
            log.write(EXAMPLE.read_bytes())
    except OSError:  # file systems that take only UTF-8 names
        pytest.skip("this file system refuses names that are not UTF-8")
    name = os.fsdecode(raw_name)
    one = cli("evaluate", name, "--jobs", "1", "-f", "jsonl")
    address = client.scheduler.address
    ran = cli("evaluate", name, "--engine", "dask", "--scheduler", address, "-f", "jsonl")
    assert (ran.code, one.code) == (1, 1)
    assert "Traceback" not in ran.stderr
    assert ran.stdout == one.stdout
    assert f'"file":"{tmp_path}/caf\\\\udce9.jsonl"' in ran.stdout


def test_contacts_across_files_on_dask_as_on_one_machine(
    client: Client, cli: Callable[..., Ran], tmp_path: Path
) -> None:
    """Repeat contacts and promises written in text, kept by interactions in later files."""
    from checks.helpers import write_rules
    from test_contacts import CONTACT_RULES, contact_log

    rules = write_rules(tmp_path, CONTACT_RULES)
    lines = contact_log(900, seed=5)
    paths = []
    for number, chunk in enumerate((lines[:300], lines[300:600], lines[600:])):
        path = tmp_path / f"day{number}.jsonl"
        path.write_text("\n".join(chunk) + "\n", encoding="utf-8")
        paths.append(path)
    one = cli("evaluate", *paths, "-r", rules, "--jobs", "1", "-f", "json")
    address = client.scheduler.address
    ran = cli(
        "evaluate", *paths, "-r", rules, "--engine", "dask", "--scheduler", address, "-f", "json"
    )
    assert (ran.code, ran.stderr) == (one.code, one.stderr)
    assert ran.stdout == one.stdout
    assert '"from":"text"' in ran.stdout.replace(" ", "")


def test_warnings_merge_on_dask_as_on_one_machine(client: Client, tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": f"W-{n}", "channel": "chat", "start_time": "2026-03-02T09:00:00Z"})
        if n % 3 == 0
        else json.dumps({"id": f"W-{n}", "channel": "chat", "started_at": "2026-03-02T09:00:00"})
        for n in range(30)
    ]
    paths = [tmp_path / "a.jsonl", tmp_path / "empty.jsonl", tmp_path / "b.jsonl"]
    paths[0].write_text("\n".join(lines[:15]) + "\n", encoding="utf-8")
    paths[1].write_text("", encoding="utf-8")
    paths[2].write_text("\n".join(lines[15:]) + "\n", encoding="utf-8")
    names = [str(path) for path in paths]
    local = cs_score.evaluate(names, RULES, jobs=1).report(inputs=names)
    run = on_dask.evaluate(names, RULES, split_every=2)
    on_cluster = run.report(inputs=names)
    run.close()
    assert on_cluster.warnings == local.warnings
    assert [(w["message"].split(" ")[:3], w["count"]) for w in local.warnings] == [
        (["unknown", "field", "'start_time'"], 10),
        (["timestamps", "without", "a"], 20),
        (["empty", "input:", "no"], 1),
    ]
