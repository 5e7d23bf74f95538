"""`--jobs N` gives the same report, byte for byte, as `--jobs 1`."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLE, ROOT, Ran, plain_python_only

from cs_score import pipeline
from cs_score.errors import WorkerError
from cs_score.formats import FormatOptions
from cs_score.formats import get as get_format
from cs_score.pipeline import (
    Collector,
    RunOptions,
    _positioned,
    _ScoreWork,
    _Workers,
    evaluate,
    score_batch,
)
from cs_score.records import read_blocks, read_lines
from cs_score.report import GateSettings, Report, build_report
from cs_score.ruleset import load_ruleset

sys.path.insert(0, str(ROOT / "benchmarks"))
from generate import generate, unique_texts


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A realistic log with bad lines and promises kept by later interactions."""
    path = tmp_path_factory.mktemp("logs") / "generated.jsonl"
    path.write_text("\n".join(generate(4500, seed=7, bad_every=997)) + "\n", encoding="utf-8")
    return path


def _json_report(path: Path, jobs: int, batch_lines: int, group_by: tuple[str, ...] = ()) -> str:
    ruleset = load_ruleset(None)
    run = evaluate(
        [str(path)],
        ruleset,
        RunOptions(jobs=jobs, keep_results=True, batch_lines=batch_lines, group_by=group_by),
    )
    report = build_report(run.part, GateSettings.resolve(ruleset), [path.name], run.as_of)
    assert run.results is not None
    return "".join(get_format("json", FormatOptions()).render(report, run.results))


@pytest.mark.slow
def test_jobs_give_identical_html_on_generated_log(generated: Path) -> None:
    """The page's trends (each day's wait quantiles too) and its lists merge exactly."""
    pages = []
    for jobs, batch_lines in ((1, 4500), (2, 300)):
        ruleset = load_ruleset(None)
        run = evaluate(
            [str(generated)],
            ruleset,
            RunOptions(jobs=jobs, keep_results=True, batch_lines=batch_lines),
        )
        report = build_report(run.part, GateSettings.resolve(ruleset), [generated.name], run.as_of)
        # One day, its figures made of fifteen parts' with two jobs
        assert run.results is not None and report.trends["rows"][0]["count"] == 4496
        pages.append("".join(get_format("html", FormatOptions()).render(report, run.results)))
        run.close()
    assert pages[0] == pages[1]


@pytest.mark.slow
def test_generated_log_has_promises_kept_later(generated: Path) -> None:
    text = generated.read_text(encoding="utf-8")
    assert text.count('"fulfills"') >= 20
    assert text.count("\n") == 4500


@pytest.mark.slow
@pytest.mark.parametrize("batch_lines", [7, 500])
def test_jobs_give_identical_json_on_generated_log(generated: Path, batch_lines: int) -> None:
    one = _json_report(generated, 1, 4500, ("agent", "day"))
    two = _json_report(generated, 2, batch_lines, ("agent", "day"))
    assert one == two
    assert '"rejected": 4' in one


@pytest.mark.slow
@plain_python_only
def test_workers_settle_held_results_as_one_process_does(
    generated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Results waiting on promises are settled by the workers in chunks when there are many."""
    one = _json_report(generated, 1, 4500, ("agent",))
    started: list[str] = []
    real = pipeline._Workers.__init__

    def start(self: pipeline._Workers, count: int, work: Any) -> None:
        started.append(type(work).__name__)
        real(self, count, work)

    monkeypatch.setattr(pipeline, "SETTLE_CHUNK", 7)
    monkeypatch.setattr(pipeline._Workers, "__init__", start)
    assert _json_report(generated, 2, 500, ("agent",)) == one
    assert started == ["_ScoreWork", "_SettleWork"]
    assert one.count('"verdict":"kept"') > 100  # promises kept, some by later interactions


@pytest.mark.slow
def test_lines_held_unscored_settle_as_results_held_scored(generated: Path) -> None:
    """A run holds the line of an interaction that waits on promises and scores it at the end;
    scoring it when read and holding its result instead (as `score_batch` does unless told to
    defer) changes nothing."""
    ruleset = load_ruleset(None)
    options = RunOptions(keep_results=True, group_by=("agent",))
    collector = Collector(ruleset, options)
    outcome = score_batch(list(read_lines(str(generated))), 0, ruleset, options)
    assert sum(isinstance(item, pipeline.InteractionResult) for item in outcome.pending) > 400
    collector.take(outcome)
    held_scored = collector.finish()
    report = build_report(held_scored.part, GateSettings.resolve(ruleset), ["g"], held_scored.as_of)
    assert held_scored.results is not None
    expected = "".join(get_format("json", FormatOptions()).render(report, held_scored.results))
    for jobs in (1, 2):
        run = evaluate([str(generated)], ruleset, RunOptions(jobs=jobs, **_KEEP))
        report = build_report(run.part, GateSettings.resolve(ruleset), ["g"], run.as_of)
        assert run.results is not None
        assert "".join(get_format("json", FormatOptions()).render(report, run.results)) == expected


_KEEP: dict[str, Any] = {"keep_results": True, "group_by": ("agent",), "batch_lines": 300}


def test_jobs_give_identical_json_on_example() -> None:
    assert _json_report(EXAMPLE, 1, 100) == _json_report(EXAMPLE, 2, 3)


def test_duplicate_id_across_batches_rejected_once(tmp_path: Path) -> None:
    lines = [f'{{"id": "r{i % 40}", "channel": "chat"}}' for i in range(60)]
    path = tmp_path / "dups.jsonl"
    path.write_text("\n".join(lines) + "\n")
    for jobs, batch in ((1, 1000), (2, 6)):
        report = _json_report(path, jobs, batch)
        assert '"scored": 40' in report and '"rejected": 20' in report


@pytest.mark.slow
def test_cli_jobs_flag(cli: Callable[..., Ran], generated: Path) -> None:
    one = cli("evaluate", generated, "--jobs", "1", "-f", "json")
    two = cli("evaluate", generated, "--jobs", "2", "-f", "json")
    assert one.code == two.code == 1
    assert one.stdout == two.stdout


def _report(path: Path, jobs: int, keep_results: bool, batch_lines: int) -> Report:
    ruleset = load_ruleset(None)
    options = RunOptions(jobs=jobs, keep_results=keep_results, batch_lines=batch_lines)
    run = evaluate([str(path)], ruleset, options)
    try:
        return build_report(run.part, GateSettings.resolve(ruleset), [path.name], run.as_of)
    finally:
        run.close()


@pytest.mark.slow
def test_a_run_that_only_aggregates_reports_what_an_explained_run_does(generated: Path) -> None:
    """Without per-interaction output, rules skip building reasons and evidence, and only
    the lowest scores are explained; the report must not change in any way."""
    explained = _report(generated, 1, True, 4500)
    reasons = [entry["reasons"] for entry in explained.worst]
    assert len(reasons) == 10
    assert all(lines and all(line.split(": ", 1)[1] for line in lines) for lines in reasons)
    assert _report(generated, 1, False, 4500) == explained
    assert _report(generated, 2, False, 7) == explained
    assert _report(generated, 2, False, 500) == explained


@pytest.mark.slow
def test_a_worker_that_dies_stops_the_run_with_a_clear_error(generated: Path) -> None:
    ruleset = load_ruleset(None)
    options = RunOptions(jobs=2, batch_lines=100)
    workers = _Workers(2, _ScoreWork(ruleset, options))
    try:
        workers._processes[1].kill()
        workers._processes[1].join()
        jobs = _positioned(read_blocks(str(generated), max_lines=100))
        done = 0
        with pytest.raises(WorkerError, match="a worker process ended before it finished"):
            for _ in workers.outcomes(jobs):
                done += 1
        assert done <= 1
    finally:
        workers.close()


def test_unique_texts_score_as_the_catalogue_texts_do(tmp_path: Path) -> None:
    """The benchmark's worst case for the phrase cache changes no verdict."""
    plain = list(generate(400, seed=3))
    unique = list(unique_texts(iter(plain)))
    assert len({text for line in unique for text in line.split('"text":"')[1:]}) == sum(
        line.count('"text":"') for line in unique
    )
    reports = []
    for name, lines in (("plain", plain), ("unique", unique)):
        path = tmp_path / f"{name}.jsonl"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        reports.append(_report(path, 1, False, 100))
    assert reports[0].summary == reports[1].summary
    assert reports[0].rules_summary == reports[1].rules_summary
